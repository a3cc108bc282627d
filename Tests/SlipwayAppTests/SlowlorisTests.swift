import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// Connection exhaustion: thousands of slow or idle connections from one address must not deny service to others.
/// The latency goal (p99 ≤ 50 ms) is measured by `slipway-bench slowloris`; here only that everything is answered.
@Suite("Slowloris and idle connections", .harnessScope)
struct SlowlorisTests {
    @Test("2,000 slowloris and 2,000 idle keep-alive connections from 127.0.0.1 do not stop /status from 127.0.0.2")
    func slowClientsDoNotDenyService() async throws {
        let h = try SlipwayHarness(adjust: { json in
            var server = json["server"] as? [String: Any] ?? [:]
            server["requestDeadlineSeconds"] = 3
            json["server"] = server
        })
        let port = h.app.port
        let load = try SlowlorisLoad(port: port, slow: 2000, idle: 2000)
        defer { load.stop() }
        #expect(load.openedSlow + load.openedIdle > 1024)

        var answered = 0
        var failures: [String] = []
        for _ in 0..<200 where failures.count < 5 {
            let body = h.commandBody("/status")
            let headers = h.slackHeaders(body).fields.map { ($0.name, $0.value) }
            do {
                let reply = try LoopbackSocket.exchange(
                    host: "127.0.0.1", port: port, from: "127.0.0.2",
                    request: LoopbackSocket.post(path: "/slack/commands", headers: headers, body: body))
                if reply.status == 200 && reply.body.contains("shop") {
                    answered += 1
                } else {
                    failures.append("\(reply.status)")
                }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(answered == 200, "failures: \(failures.prefix(3))")

        // Past the deadline, the slow and idle connections the server admitted are closed (the rest it refused).
        let closed = await h.waitUntil(timeout: 12) {
            let closed = load.closedByServer()
            return closed.slow == load.openedSlow && closed.idle == load.openedIdle
        }
        #expect(closed, "still open: \(load.closedByServer()) of \(load.openedSlow) slow, \(load.openedIdle) idle")
    }
}
