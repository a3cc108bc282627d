import DeployCore
import Foundation
import SlipwayStore
import Synchronization

/// Prometheus metrics: request counts, deploy results and durations, outbox health and DORA figures.
public final class Metrics: Sendable {
    /// Request counts by route and status; labels are formatted only when scraped. A lock of its own: it is
    /// taken for every request. A list, not a dictionary: there are a few dozen pairs at most, and comparing the
    /// route strings (the router passes the same ones every time) is cheaper than hashing them.
    private let requests = Mutex<[(key: RouteStatus, count: Int)]>([])
    /// Deploy results and outbox deliveries, counted as they happen.
    private let results = Mutex(Results())
    private let buildTimes = DeliveryStats.BuildTimes()
    /// Upper bounds (seconds) of the deploy duration histogram.
    static let bounds: [Double] = [30, 60, 120, 300, 600, 900, 1800, 3600]

    public init() {}

    /// Counts one HTTP response.
    public func recordRequest(route: String, status: Int) {
        let key = RouteStatus(route: route, status: status)
        requests.withLock { counts in
            if let index = counts.firstIndex(where: { $0.key.status == status && $0.key.route == route }) {
                counts[index].count += 1
            } else {
                counts.append((key: key, count: 1))
            }
        }
    }

    private struct Results {
        var deploys: [String: Int] = [:]
        var durationBuckets: [String: [Int]] = [:]
        var durationSum: [String: Double] = [:]
        var durationCount: [String: Int] = [:]
        var deliveryFailures = 0
        var deliveries = 0
    }

    private struct RouteStatus: Hashable {
        var route: String
        var status: Int

        var labels: String { "route=\"\(Metrics.label(route))\",status=\"\(status)\"" }
    }

    /// Counts a deploy that ended, with its duration.
    public func recordFinished(_ deploy: Deploy) {
        let labels = "service=\"\(Self.label(deploy.service))\",env=\"\(Self.label(deploy.environment))\""
        let key = labels + ",kind=\"\(deploy.kind.rawValue)\",result=\"\(deploy.state.rawValue)\""
        let seconds = (deploy.finishedAt ?? deploy.updatedAt).timeIntervalSince(deploy.createdAt)
        let finished = deploy.state == .succeeded || deploy.state == .failed
        results.withLock { results in
            results.deploys[key, default: 0] += 1
            guard finished else { return }
            var buckets = results.durationBuckets[labels] ?? [Int](repeating: 0, count: Self.bounds.count)
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { buckets[i] += 1 }
            results.durationBuckets[labels] = buckets
            results.durationSum[labels, default: 0] += seconds
            results.durationCount[labels, default: 0] += 1
        }
    }

    /// Counts an outbox delivery attempt.
    public func recordDelivery(succeeded: Bool) {
        results.withLock { results in
            if succeeded { results.deliveries += 1 } else { results.deliveryFailures += 1 }
        }
    }

    /// The exposition text. Outbox depth and DORA figures are read from the store at scrape time.
    public func render(store: any Store, now: Date) -> String {
        let requests = self.requests.withLock { $0 }
        let results = self.results.withLock { $0 }
        let deploys = results.deploys
        let buckets = results.durationBuckets
        let sums = results.durationSum
        let counts = results.durationCount
        let failures = results.deliveryFailures
        let delivered = results.deliveries

        var out = ""
        out += "# HELP slipway_http_requests_total HTTP requests by route and status.\n"
        out += "# TYPE slipway_http_requests_total counter\n"
        for (labels, count) in requests.map({ ($0.key.labels, $0.count) }).sorted(by: { $0.0 < $1.0 }) {
            out += "slipway_http_requests_total{\(labels)} \(count)\n"
        }
        out += "# HELP slipway_deploys_total Deploys that ended, by service, environment, kind and result.\n"
        out += "# TYPE slipway_deploys_total counter\n"
        for key in deploys.keys.sorted() { out += "slipway_deploys_total{\(key)} \(deploys[key]!)\n" }
        out += "# HELP slipway_deploy_duration_seconds Time from request to result of finished deploys.\n"
        out += "# TYPE slipway_deploy_duration_seconds histogram\n"
        for labels in buckets.keys.sorted() {
            for (i, bound) in Self.bounds.enumerated() {
                out += "slipway_deploy_duration_seconds_bucket{\(labels),le=\"\(Int(bound))\"} \(buckets[labels]![i])\n"
            }
            out += "slipway_deploy_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(counts[labels]!)\n"
            out += "slipway_deploy_duration_seconds_sum{\(labels)} \(sums[labels]!)\n"
            out += "slipway_deploy_duration_seconds_count{\(labels)} \(counts[labels]!)\n"
        }
        out += "# HELP slipway_outbox_deliveries_total Outbound messages delivered.\n"
        out += "# TYPE slipway_outbox_deliveries_total counter\nslipway_outbox_deliveries_total \(delivered)\n"
        out += "# HELP slipway_outbox_delivery_failures_total Failed delivery attempts (retried or given up).\n"
        out +=
            "# TYPE slipway_outbox_delivery_failures_total counter\nslipway_outbox_delivery_failures_total \(failures)\n"
        let buildTimes = self.buildTimes
        if let snapshot = try? store.read({ r in
            (
                try r.outboxCount(status: .pending), try r.outboxCount(status: .failed),
                try DeliveryStats.lastNinetyDays(in: r, now: now, buildTimes: buildTimes)
            )
        }) {
            out += "# HELP slipway_outbox_depth Outbound messages waiting for delivery.\n"
            out += "# TYPE slipway_outbox_depth gauge\nslipway_outbox_depth \(snapshot.0)\n"
            out += "# HELP slipway_outbox_failed Outbound messages given up on (see /status).\n"
            out += "# TYPE slipway_outbox_failed gauge\nslipway_outbox_failed \(snapshot.1)\n"
            let stats = snapshot.2
            out += "# HELP slipway_dora_deploys Successful deploys in the last 90 days.\n"
            out += "# TYPE slipway_dora_deploys gauge\nslipway_dora_deploys \(stats.succeeded)\n"
            out += "# HELP slipway_dora_failed_deploys Deploys that failed or were rolled back, last 90 days.\n"
            out += "# TYPE slipway_dora_failed_deploys gauge\nslipway_dora_failed_deploys \(stats.failed)\n"
            out += "# HELP slipway_dora_rollbacks Successful rollbacks in the last 90 days.\n"
            out += "# TYPE slipway_dora_rollbacks gauge\nslipway_dora_rollbacks \(stats.rollbacks)\n"
            out += "# HELP slipway_dora_change_failure_rate Failed ÷ finished deploys in the last 90 days.\n"
            out +=
                "# TYPE slipway_dora_change_failure_rate gauge\nslipway_dora_change_failure_rate \(stats.changeFailureRate)\n"
            out +=
                "# HELP slipway_dora_lead_time_median_seconds Median time from the commit's image build to live, last 90 days.\n"
            out +=
                "# TYPE slipway_dora_lead_time_median_seconds gauge\nslipway_dora_lead_time_median_seconds \(stats.medianLeadTime ?? 0)\n"
        }
        return out
    }

    /// A label value with `\`, `"` and newlines escaped as the text format requires.
    static func label(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
