import Synchronization

/// Request counts by route and status, and a latency histogram by route, recorded on the HTTP worker threads.
///
/// Recording takes no lock: the routes are known when the server is built, and each has its own atomic counters,
/// so a request costs a few string comparisons (the router passes the registered strings, which compare equal at
/// once) and three relaxed atomic increments. A route that was not registered (none, with `Router`) is counted
/// under a lock instead.
public final class HTTPRequestMetrics: Sendable {
    /// Upper bounds (seconds) of the latency buckets: fine below Slack's 3-second limit for an answer, with 3
    /// itself a bound so the share of answers inside it is exact.
    public static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10]
    private static let boundNanoseconds: [UInt64] = bounds.map { UInt64(($0 * 1e9).rounded()) }
    /// Statuses 100…611 have a counter each; anything else (never produced by the server) is counted as 599.
    private static let lowestStatus = 100

    private final class RouteCounters: Sendable {
        let route: String
        /// Requests per latency bucket (not cumulative); the last one is above the largest bound.
        let buckets: InlineArray<13, Atomic<Int>>
        let statuses: InlineArray<512, Atomic<Int>>
        let nanoseconds = Atomic<Int>(0)

        init(route: String) {
            self.route = route
            buckets = InlineArray { _ in Atomic(0) }
            statuses = InlineArray { _ in Atomic(0) }
        }
    }

    private let routes: [RouteCounters]
    /// Routes first seen at run time.
    private let extra = Mutex<[RouteCounters]>([])

    /// - Parameter routes: The routes the router reports (its paths and `Router.unmatchedRoute`).
    public init(routes: [String]) {
        var unique: [String] = []
        for route in routes where !unique.contains(route) { unique.append(route) }
        self.routes = unique.map(RouteCounters.init)
    }

    /// Counts one answered request.
    /// - Parameters:
    ///   - route: The route as the router names it.
    ///   - status: The response status.
    ///   - nanoseconds: How long the route took to answer.
    public func record(route: String, status: Int, nanoseconds: UInt64) {
        let bucket = Self.boundNanoseconds.firstIndex { nanoseconds <= $0 } ?? Self.bounds.count
        let offset = status - Self.lowestStatus
        let statusIndex = offset >= 0 && offset < 512 ? offset : 599 - Self.lowestStatus
        let elapsed = Int(truncatingIfNeeded: min(nanoseconds, UInt64(Int.max)))
        for counters in routes where counters.route == route {
            Self.add(counters, bucket: bucket, status: statusIndex, nanoseconds: elapsed)
            return
        }
        extra.withLock { extra in
            let counters =
                extra.first { $0.route == route }
                ?? {
                    let new = RouteCounters(route: route)
                    extra.append(new)
                    return new
                }()
            Self.add(counters, bucket: bucket, status: statusIndex, nanoseconds: elapsed)
        }
    }

    private static func add(_ counters: RouteCounters, bucket: Int, status: Int, nanoseconds: Int) {
        counters.buckets[bucket].wrappingAdd(1, ordering: .relaxed)
        counters.statuses[status].wrappingAdd(1, ordering: .relaxed)
        counters.nanoseconds.wrappingAdd(nanoseconds, ordering: .relaxed)
    }

    /// `slipway_http_requests_total{route,status}` and `slipway_http_request_duration_seconds{route}`.
    public func render() -> String {
        let all = (routes + extra.withLock { $0 }).sorted { $0.route < $1.route }
        var counts = "# HELP slipway_http_requests_total HTTP requests by route and status.\n"
        counts += "# TYPE slipway_http_requests_total counter\n"
        var durations =
            "# HELP slipway_http_request_duration_seconds Time each route took to answer, from the complete request "
            + "to its response (Slack allows 3 s).\n"
        durations += "# TYPE slipway_http_request_duration_seconds histogram\n"
        for counters in all {
            let route = Metrics.label(counters.route)
            for index in 0..<512 {
                let count = counters.statuses[index].load(ordering: .relaxed)
                if count > 0 {
                    counts +=
                        "slipway_http_requests_total{route=\"\(route)\",status=\"\(index + Self.lowestStatus)\"} \(count)\n"
                }
            }
            var cumulative = 0
            for (index, bound) in Self.bounds.enumerated() {
                cumulative += counters.buckets[index].load(ordering: .relaxed)
                durations +=
                    "slipway_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(Metrics.number(bound))\"} \(cumulative)\n"
            }
            cumulative += counters.buckets[Self.bounds.count].load(ordering: .relaxed)
            let seconds = Double(counters.nanoseconds.load(ordering: .relaxed)) / 1e9
            durations += "slipway_http_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cumulative)\n"
            durations += "slipway_http_request_duration_seconds_sum{route=\"\(route)\"} \(Metrics.number(seconds))\n"
            durations += "slipway_http_request_duration_seconds_count{route=\"\(route)\"} \(cumulative)\n"
        }
        return counts + durations
    }
}
