import Foundation
import SlipwayHTTP
import Synchronization

/// A small application's `/metrics` on loopback, in the Prometheus text exposition format, whose traffic the test
/// controls per track (`canary`, `primary`): request and error counters and a latency histogram that grow with real
/// time at the rates set, so `rate()` and `histogram_quantile()` over them give what the test asked for.
///
/// ```swift
/// let app = try MetricsEndpoint()
/// app.set(track: "primary", requestsPerSecond: 50, errorRatio: 0.002, latencySeconds: 0.05)
/// // sum(rate(http_request_errors_total{track="primary"}[5s])) / sum(rate(http_requests_total{track="primary"}[5s]))
/// ```
public final class MetricsEndpoint: Sendable {
    /// What one track serves, per second.
    public struct Traffic: Sendable, Equatable {
        public var requestsPerSecond: Double
        public var errorRatio: Double
        /// Every request takes this long (it lands in one histogram bucket).
        public var latencySeconds: Double
        public init(requestsPerSecond: Double, errorRatio: Double, latencySeconds: Double) {
            self.requestsPerSecond = requestsPerSecond
            self.errorRatio = errorRatio
            self.latencySeconds = latencySeconds
        }
    }

    /// Histogram bucket bounds (`le`), seconds.
    public static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Counters {
        var traffic: Traffic
        var requests: Double = 0
        var errors: Double = 0
        var latencySum: Double = 0
        /// Requests per bucket (not cumulative); the last entry is above every bound.
        var perBucket = [Double](repeating: 0, count: MetricsEndpoint.buckets.count + 1)
        var since: Date
    }

    private struct State {
        var tracks: [String: Counters] = [:]
        var scrapes = 0
    }

    private let state = Mutex(State())
    private let server = FakeServer()
    /// The series' labels besides `track`, e.g. `service="shop"`.
    public let labels: [String: String]

    /// Starts serving `/metrics` on a free loopback port; stopped when the current `TestScope` ends.
    /// - Parameter labels: Extra labels on every series.
    public init(labels: [String: String] = [:]) throws {
        self.labels = labels
        try server.start(serving: self) { endpoint, request in
            guard request.path == "/metrics" else { return .text(404, "no such path") }
            return HTTPResponse(
                status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                body: Array(endpoint.exposition(now: Date()).utf8))
        }
        TestScope.onExit { [server] in server.stop() }
    }

    /// `127.0.0.1:<port>`, what Prometheus scrapes.
    public var target: String { "127.0.0.1:\(server.port)" }

    /// How many times `/metrics` was scraped.
    public var scrapeCount: Int { state.withLock { $0.scrapes } }

    /// Sets a track's traffic from now on; what it served until now at the old rates stays counted.
    public func set(track: String, requestsPerSecond: Double = 20, errorRatio: Double, latencySeconds: Double = 0.05) {
        let traffic = Traffic(
            requestsPerSecond: requestsPerSecond, errorRatio: errorRatio, latencySeconds: latencySeconds)
        let now = Date()
        state.withLock { state in
            if var counters = state.tracks[track] {
                Self.advance(&counters, to: now)
                counters.traffic = traffic
                state.tracks[track] = counters
            } else {
                state.tracks[track] = Counters(traffic: traffic, since: now)
            }
        }
    }

    /// Stops serving a track's series altogether (a query over them then has no data).
    public func remove(track: String) { state.withLock { _ = $0.tracks.removeValue(forKey: track) } }

    /// Stops serving.
    public func stop() { server.stop() }

    private static func advance(_ c: inout Counters, to now: Date) {
        let seconds = max(0, now.timeIntervalSince(c.since))
        let served = c.traffic.requestsPerSecond * seconds
        c.requests += served
        c.errors += served * c.traffic.errorRatio
        c.latencySum += served * c.traffic.latencySeconds
        let bucket = buckets.firstIndex { c.traffic.latencySeconds <= $0 } ?? buckets.count
        c.perBucket[bucket] += served
        c.since = now
    }

    /// The text exposition at `now`.
    func exposition(now: Date) -> String {
        let tracks = state.withLock { state -> [(String, Counters)] in
            state.scrapes += 1
            for key in state.tracks.keys { Self.advance(&state.tracks[key]!, to: now) }
            return state.tracks.sorted { $0.key < $1.key }
        }
        let extra = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"," }.joined()
        var out = "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n"
        for (track, c) in tracks { out += "http_requests_total{\(extra)track=\"\(track)\"} \(c.requests)\n" }
        out += "# HELP http_request_errors_total Requests answered with a 5xx.\n"
        out += "# TYPE http_request_errors_total counter\n"
        for (track, c) in tracks { out += "http_request_errors_total{\(extra)track=\"\(track)\"} \(c.errors)\n" }
        out += "# HELP http_request_duration_seconds Request latency.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        for (track, c) in tracks {
            var cumulative = 0.0
            for (i, bound) in Self.buckets.enumerated() {
                cumulative += c.perBucket[i]
                out +=
                    "http_request_duration_seconds_bucket{\(extra)track=\"\(track)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_bucket{\(extra)track=\"\(track)\",le=\"+Inf\"} \(c.requests)\n"
            out += "http_request_duration_seconds_sum{\(extra)track=\"\(track)\"} \(c.latencySum)\n"
            out += "http_request_duration_seconds_count{\(extra)track=\"\(track)\"} \(c.requests)\n"
        }
        return out
    }
}
