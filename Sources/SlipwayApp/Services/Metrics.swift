import DeployCore
import Foundation
import SlipwayStore
import Synchronization

/// Prometheus metrics: requests, deploy results and durations, outbox health, DORA figures, the build and the
/// process.
///
/// Figures read from the shared store (outbox backlog, DORA) are exported by the leader only, so `sum()` over the
/// replicas counts each once; counters of what this process did (requests, deliveries) come from every replica.
public final class Metrics: Sendable {
    /// Request counts and latencies, attached once the routes are known (`attach(_:)`); read at scrape time only.
    private let requests = AtomicLazyReference<HTTPRequestMetrics>()
    /// Deploy results and outbox deliveries, counted as they happen (a few per deploy: a lock is cheap here).
    private let results = Mutex(Results())
    private let buildTimes = DeliveryStats.BuildTimes()
    /// Upper bounds (seconds) of the deploy duration histogram.
    static let bounds: [Double] = [30, 60, 120, 300, 600, 900, 1800, 3600]
    /// Upper bounds (seconds) of the outbox delivery duration histogram (one Slack or PagerDuty call, with any wait
    /// for the channel's pace).
    static let deliveryBounds: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
    /// The version in `slipway_build_info`.
    let version: String

    public init(version: String = CommandLineTool.version) {
        self.version = version
    }

    /// Serves request counts and latencies from `requests` (the HTTP routes' metrics); the first call wins.
    public func attach(_ requests: HTTPRequestMetrics) {
        _ = self.requests.storeIfNil(requests)
    }

    private struct Results {
        var deploys: [String: Int] = [:]
        var durationBuckets: [String: [Int]] = [:]
        var durationSum: [String: Double] = [:]
        var durationCount: [String: Int] = [:]
        var deliveries: [OutboxDestination: Deliveries] = [:]
    }

    /// Delivery attempts to one destination.
    private struct Deliveries {
        var delivered = 0
        var failed = 0
        /// Attempts per duration bucket (not cumulative); the last is above the largest bound.
        var buckets = [Int](repeating: 0, count: Metrics.deliveryBounds.count + 1)
        var seconds = 0.0
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
    /// - Parameters:
    ///   - destination: Where the message went (`OutboxTarget.destination`).
    ///   - succeeded: Whether it was delivered.
    ///   - seconds: How long the attempt took.
    public func recordDelivery(to destination: OutboxDestination, succeeded: Bool, seconds: Double) {
        let bucket = Self.deliveryBounds.firstIndex { seconds <= $0 } ?? Self.deliveryBounds.count
        results.withLock { results in
            var deliveries = results.deliveries[destination] ?? Deliveries()
            if succeeded { deliveries.delivered += 1 } else { deliveries.failed += 1 }
            deliveries.buckets[bucket] += 1
            deliveries.seconds += max(0, seconds)
            results.deliveries[destination] = deliveries
        }
    }

    /// Counts an outbox delivery attempt whose destination and duration are not known.
    @available(*, deprecated, message: "use recordDelivery(to:succeeded:seconds:)")
    public func recordDelivery(succeeded: Bool) {
        recordDelivery(to: .unrecognized, succeeded: succeeded, seconds: 0)
    }

    /// The whole exposition for `/metrics`.
    /// - Parameters:
    ///   - store: Read for the outbox backlog and DORA figures, when `isLeader`.
    ///   - now: The end of the DORA window.
    ///   - isLeader: Whether this replica leads; followers leave out the figures read from the shared store.
    public func render(store: any Store, now: Date, isLeader: Bool = true) -> String {
        var out = "# HELP slipway_build_info The running Slipway version (always 1).\n"
        out += "# TYPE slipway_build_info gauge\nslipway_build_info{version=\"\(Self.label(version))\"} 1\n"
        out += requests.load()?.render() ?? ""
        let results = self.results.withLock { $0 }
        out += Self.renderDeploys(results)
        out += Self.renderDeliveries(results.deliveries)
        if isLeader { out += shared(store: store, now: now) }
        out += ProcessMetrics.render()
        out += HeapAllocator.render()
        return out
    }

    private static func renderDeploys(_ results: Results) -> String {
        let deploys = results.deploys
        let buckets = results.durationBuckets
        let sums = results.durationSum
        let counts = results.durationCount
        var out = "# HELP slipway_deploys_total Deploys that ended, by service, environment, kind and result.\n"
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
        return out
    }

    /// Delivery counters and durations for every destination, zero included, so rates start from 0.
    private static func renderDeliveries(_ deliveries: [OutboxDestination: Deliveries]) -> String {
        let destinations = OutboxDestination.allCases.filter { $0 != .unrecognized || deliveries[$0] != nil }
        var delivered = "# HELP slipway_outbox_deliveries_total Outbound messages delivered, by destination.\n"
        delivered += "# TYPE slipway_outbox_deliveries_total counter\n"
        var failed =
            "# HELP slipway_outbox_delivery_failures_total Failed delivery attempts (retried or given up), by destination.\n"
        failed += "# TYPE slipway_outbox_delivery_failures_total counter\n"
        var durations =
            "# HELP slipway_outbox_delivery_duration_seconds Time of one delivery attempt (the call and any wait for "
            + "the channel's pace), by destination.\n"
        durations += "# TYPE slipway_outbox_delivery_duration_seconds histogram\n"
        for destination in destinations {
            let label = "destination=\"\(destination.rawValue)\""
            let counts = deliveries[destination] ?? Deliveries()
            delivered += "slipway_outbox_deliveries_total{\(label)} \(counts.delivered)\n"
            failed += "slipway_outbox_delivery_failures_total{\(label)} \(counts.failed)\n"
            var cumulative = 0
            for (i, bound) in deliveryBounds.enumerated() {
                cumulative += counts.buckets[i]
                durations +=
                    "slipway_outbox_delivery_duration_seconds_bucket{\(label),le=\"\(number(bound))\"} \(cumulative)\n"
            }
            cumulative += counts.buckets[deliveryBounds.count]
            durations += "slipway_outbox_delivery_duration_seconds_bucket{\(label),le=\"+Inf\"} \(cumulative)\n"
            durations += "slipway_outbox_delivery_duration_seconds_sum{\(label)} \(number(counts.seconds))\n"
            durations += "slipway_outbox_delivery_duration_seconds_count{\(label)} \(cumulative)\n"
        }
        return delivered + failed + durations
    }

    /// Figures read from the store, which every replica shares: the outbox backlog and DORA. Nothing when the store
    /// cannot be read.
    private func shared(store: any Store, now: Date) -> String {
        let buildTimes = self.buildTimes
        guard
            let (pending, failed, stats) = try? store.read({ r in
                (
                    try r.outboxCountsByDestination(status: .pending),
                    try r.outboxCountsByDestination(status: .failed),
                    try DeliveryStats.lastNinetyDays(in: r, now: now, buildTimes: buildTimes)
                )
            })
        else { return "" }
        var out = ""
        func byDestination(_ name: String, _ help: String, _ counts: [OutboxDestination: Int]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for destination in OutboxDestination.allCases
            where destination != .unrecognized || counts[destination] != nil {
                out += "\(name){destination=\"\(destination.rawValue)\"} \(counts[destination] ?? 0)\n"
            }
        }
        byDestination(
            "slipway_outbox_pending", "Outbound messages waiting for delivery, by destination (leader only).", pending)
        byDestination(
            "slipway_outbox_failed", "Outbound messages given up on, by destination (see /status; leader only).",
            failed)
        func gauge(_ name: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(Self.number(value))\n"
        }
        gauge("slipway_dora_deploys", "Successful deploys in the last 90 days (leader only).", Double(stats.succeeded))
        gauge(
            "slipway_dora_failed_deploys", "Deploys that failed or were rolled back, last 90 days (leader only).",
            Double(stats.failed))
        gauge(
            "slipway_dora_rollbacks", "Successful rollbacks in the last 90 days (leader only).", Double(stats.rollbacks)
        )
        gauge(
            "slipway_dora_change_failure_ratio", "Failed ÷ finished deploys in the last 90 days, 0 to 1 (leader only).",
            stats.changeFailureRate)
        gauge(
            "slipway_dora_lead_time_median_seconds",
            "Median time from the commit's image build to live, last 90 days (leader only).", stats.medianLeadTime ?? 0)
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

    /// A sample value or bound: whole numbers without a fraction (`1`, `300`), others as Swift prints them.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
