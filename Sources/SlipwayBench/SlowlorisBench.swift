import Foundation
import SlipwayHTTP
import SlipwayTesting

/// `slipway-bench slowloris`: signed `/status` latency from 127.0.0.2 while 127.0.0.1 holds slow (1 byte/s headers)
/// and idle keep-alive connections open, against the same requests without that load in the same run.
/// Goal: p99 ≤ 50 ms under 2,000 + 2,000 connections.
enum SlowlorisBench {
    static func run(slow: Int, idle: Int, requests: Int, perClientLimit: Int?) async throws {
        try await SlipwayHarness.with(adjust: { json in
            if let perClientLimit {
                var server = json["server"] as? [String: Any] ?? [:]
                server["maxConnectionsPerClient"] = perClientLimit
                json["server"] = server
            }
        }) { h in
            let port = h.app.port
            let baseline = try measure(h, port: port, requests: requests)
            let load = try SlowlorisLoad(port: port, slow: slow, idle: idle)
            defer { load.stop() }
            // Let the server accept (or refuse) the whole burst before measuring.
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let loaded = try measure(h, port: port, requests: requests)
            let closed = load.closedByServer()
            print(
                "slowloris: \(load.openedSlow) slow + \(load.openedIdle) idle connections from 127.0.0.1 "
                    + "(per-client limit \(perClientLimit.map(String.init) ?? "default")); refused or closed "
                    + "by the server: \(closed.slow) slow, \(closed.idle) idle")
            report("baseline  ", baseline)
            report("under load", loaded)
            let ratio = percentile(loaded.latencies, 0.99) / max(percentile(baseline.latencies, 0.99), 0.001)
            let p99 = percentile(loaded.latencies, 0.99)
            print(
                String(
                    format: "p99 under load / baseline: %.2f×; goal p99 ≤ 50 ms: %@", ratio,
                    p99 <= 50 && loaded.failures == 0 ? "met" : "NOT met"))
        }
    }

    struct Sample {
        var latencies: [Double]
        var failures: Int
    }

    /// Sends `requests` signed `/status` commands from 127.0.0.2, one new connection each, one at a time.
    static func measure(_ h: SlipwayHarness, port: Int, requests: Int) throws -> Sample {
        var sample = Sample(latencies: [], failures: 0)
        for _ in 0..<requests {
            let body = h.commandBody("/status")
            let headers = h.slackHeaders(body).fields.map { ($0.name, $0.value) }
            let request = LoopbackSocket.post(path: "/slack/commands", headers: headers, body: body)
            let start = DispatchTime.now().uptimeNanoseconds
            let reply = try? LoopbackSocket.exchange(host: "127.0.0.1", port: port, from: "127.0.0.2", request: request)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if reply?.status == 200 { sample.latencies.append(milliseconds) } else { sample.failures += 1 }
        }
        return sample
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .infinity }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    static func report(_ label: String, _ sample: Sample) {
        print(
            String(
                format: "  %@: %d answered, %d failed; p50 %.2f ms, p99 %.2f ms, max %.2f ms", label,
                sample.latencies.count, sample.failures, percentile(sample.latencies, 0.5),
                percentile(sample.latencies, 0.99), sample.latencies.max() ?? 0))
    }
}
