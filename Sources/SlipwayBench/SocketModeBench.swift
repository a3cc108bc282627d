import Foundation
import SlipwayHTTP
import SlipwayTesting

/// `slipway-bench socket-mode`: Slack Socket Mode against the fake Socket Mode server (a real WebSocket over
/// libwebsockets on loopback). Prints envelope → acknowledgement latency (median, p99) for a read (`/deploy-status`)
/// and a write (`/deploy lock`/`unlock`), the same status command over signed HTTP as the in-run baseline, and the
/// reconnect time after a `refresh_requested` disconnect (until the old connection is closed and the new one open)
/// and after a dropped connection (until a new one is open again).
enum SocketModeBench {
    static func run(envelopes: Int, reconnects: Int) async throws {
        try await SlipwayHarness.with(adjust: { json in
            var slack = json["slack"] as? [String: Any] ?? [:]
            slack["socketMode"] = ["appTokenEnv": "SLACK_APP_TOKEN"]
            json["slack"] = slack
        }) { h in
            let socket = try FakeSocketModeServer()
            defer { socket.shutdown() }
            socket.attach(to: h.slack)
            h.startServices()
            guard await poll(timeout: 10, { socket.openConnections == 1 }) != nil else {
                throw BenchCommand.UsageError(message: "Slipway did not open a Socket Mode connection")
            }
            print("socket-mode bench: \(envelopes) envelopes per kind, \(reconnects) reconnects per kind")

            var status: [Double] = []
            var writes: [Double] = []
            var http: [Double] = []
            for index in 0..<envelopes {
                let read = socket.sendSlashCommand("/deploy-status", responseURL: h.slack.responseURL("b\(index)"))
                guard let ack = await socket.waitForAck(read) else { throw failure("no ack for /deploy-status") }
                status.append(milliseconds(ack.latency))
                let line = index % 2 == 0 ? "/deploy lock shop staging bench" : "/deploy unlock shop staging"
                let write = socket.sendSlashCommand(line, responseURL: h.slack.responseURL("w\(index)"))
                guard let ack = await socket.waitForAck(write) else { throw failure("no ack for \(line)") }
                writes.append(milliseconds(ack.latency))
                let start = ContinuousClock.now
                let response = try await h.command("/deploy-status")
                guard response.status == 200 else { throw failure("HTTP /deploy-status answered \(response.status)") }
                http.append(milliseconds(start.duration(to: .now)))
            }
            report("envelope → ack, /deploy-status      ", status)
            report("envelope → ack, /deploy lock|unlock  ", writes)
            report("baseline: signed HTTP /deploy-status ", http)
            let over = status.filter { $0 >= 3000 }.count + writes.filter { $0 >= 3000 }.count
            print("acks at or over Slack's 3 s limit: \(over) of \(status.count + writes.count)")

            var refresh: [Double] = []
            var lost: [Double] = []
            for _ in 0..<reconnects {
                let accepted = socket.acceptedConnections
                let start = ContinuousClock.now
                socket.disconnect(reason: "refresh_requested")
                guard
                    let elapsed = await poll(
                        timeout: 30,
                        {
                            socket.acceptedConnections == accepted + 1 && socket.openConnections == 1
                        })
                else { throw failure("no new connection after refresh_requested") }
                refresh.append(milliseconds(start.duration(to: start + elapsed)))
                let before = socket.acceptedConnections
                let dropped = ContinuousClock.now
                socket.drop()
                guard
                    let back = await poll(
                        timeout: 30,
                        {
                            socket.acceptedConnections == before + 1 && socket.openConnections == 1
                        })
                else { throw failure("no new connection after a drop") }
                lost.append(milliseconds(dropped.duration(to: dropped + back)))
            }
            report("reconnect after refresh_requested    ", refresh)
            report("reconnect after a dropped connection ", lost)
            print(
                "peak open connections: \(socket.peakOpenConnections) (2: every refresh opened the new one before "
                    + "closing the old)")
        }
    }

    /// Polls `condition` every 0.5 ms. - Returns: the time it took to hold, or nil after `timeout` seconds.
    static func poll(timeout: Double, _ condition: () -> Bool) async -> Duration? {
        let start = ContinuousClock.now
        while start.duration(to: .now) < .seconds(timeout) {
            if condition() { return start.duration(to: .now) }
            try? await Task.sleep(for: .microseconds(500))
        }
        return nil
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    static func failure(_ message: String) -> BenchCommand.UsageError { BenchCommand.UsageError(message: message) }

    static func report(_ label: String, _ values: [Double]) {
        let sorted = values.sorted()
        func at(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
        }
        print(
            "\(label): median \(WatchBench.fmt(at(0.5), 2)) ms, p99 \(WatchBench.fmt(at(0.99), 2)) ms, "
                + "max \(WatchBench.fmt(sorted.last ?? 0, 2)) ms (n=\(values.count))")
    }
}
