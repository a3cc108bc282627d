import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Synchronization
import Testing

@Suite("Slack Socket Mode end to end", .harnessScope)
struct SocketModeTests {
    /// A harness configured for Socket Mode, its services running and its first connection open.
    static func start() async throws -> (SlipwayHarness, FakeSocketModeServer) {
        let h = try SlipwayHarness(adjust: { json in
            var slack = json["slack"] as! [String: Any]
            slack["socketMode"] = ["appTokenEnv": "SLACK_APP_TOKEN"]
            json["slack"] = slack
        })
        let socket = try FakeSocketModeServer()
        TestScope.onExit { socket.shutdown() }
        socket.attach(to: h.slack)
        h.startServices()
        #expect(await socket.waitUntil { $0.openConnections == 1 })
        return (h, socket)
    }

    /// The text of an acknowledgement's reply payload.
    static func replyText(_ ack: FakeSocketModeServer.Ack?) -> String {
        ack?.payload.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Requests counted on the HTTP routes under /slack/.
    static func slackRouteRequests(_ h: SlipwayHarness) async throws -> Int {
        let metrics = try await h.send(.get, "/metrics").bodyText
        return metrics.split(separator: "\n")
            .filter { $0.hasPrefix(#"slipway_http_requests_total{route="/slack/"#) }
            .compactMap { Int($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    @Test("/deploy, then an approval click, deploy to production over Socket Mode; no HTTP Slack route is used")
    func deployAndApprove() async throws {
        let (h, socket) = try await Self.start()
        let staging = socket.sendSlashCommand(
            "/deploy shop staging main-1a2b3c4", responseURL: h.slack.responseURL("sm-1"))
        let stagingAck = await socket.waitForAck(staging)
        #expect(Self.replyText(stagingAck).contains("main-1a2b3c4"), "\(Self.replyText(stagingAck))")
        // Promotion takes a tag that succeeded in staging.
        #expect(await h.waitUntil(timeout: 30) { try h.latestDeploy("shop", "staging")?.state == .succeeded })

        let prod = socket.sendSlashCommand("/deploy shop prod", responseURL: h.slack.responseURL("sm-2"))
        #expect(Self.replyText(await socket.waitForAck(prod)).contains("Waiting for an approver"))
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        let token = try #require(deploy.approval?.token)
        let click = socket.sendClick(
            actionId: ActionID.approve, value: token, user: "U0DANA", responseURL: h.slack.responseURL("sm-3"))
        #expect(await socket.waitForAck(click) != nil)
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        #expect(try h.remoteTag("shop", "prod") == "main-1a2b3c4")
        #expect(try h.deploy(deploy.id)?.approval?.decidedBy == "U0DANA")

        #expect(try await Self.slackRouteRequests(h) == 0)
        let metrics = try await h.send(.get, "/metrics").bodyText
        #expect(metrics.contains(#"slipway_socket_mode_connections{state="open"} 1"#))
        #expect(metrics.contains(#"slipway_socket_mode_envelopes_total{type="slash_commands"} 2"#))
        #expect(metrics.contains(#"slipway_socket_mode_envelopes_total{type="interactive"} 1"#))
    }

    @Test("the acknowledgement carries the command's reply; a redelivered envelope is acknowledged again, handled once")
    func ackReplyAndRedelivery() async throws {
        let (h, socket) = try await Self.start()
        let status = socket.sendSlashCommand("/deploy-status", responseURL: h.slack.responseURL("st"))
        let statusReply = Self.replyText(await socket.waitForAck(status))
        #expect(statusReply.contains("shop") && statusReply.contains("staging"), "\(statusReply)")
        #expect(await socket.waitForAck(status)?.payloadObject?["response_type"] as? String == "ephemeral")

        let line = "/deploy shop staging main-1a2b3c4"
        let first = socket.sendSlashCommand(line, responseURL: h.slack.responseURL("d1"), envelopeId: "env-deploy")
        let reply = Self.replyText(await socket.waitForAck(first))
        #expect(reply.contains("main-1a2b3c4"))
        socket.sendSlashCommand(
            line, responseURL: h.slack.responseURL("d1"), envelopeId: "env-deploy", retryAttempt: 1)
        #expect(await socket.waitUntil { $0.acks(of: "env-deploy").count == 2 })
        #expect(socket.acks(of: "env-deploy").map { Self.replyText($0) } == [reply, reply])
        let deploys = try h.app.store.read { r in
            try r.recentDeploys(service: "shop", environment: "staging", limit: 10)
        }
        #expect(deploys.count == 1)
        #expect(h.app.socketMode?.metrics.redeliveries == 1)
    }

    @Test("a refresh mid-deploy opens the new connection before the old one closes; nothing is lost or doubled")
    func refreshMidDeploy() async throws {
        let (h, socket) = try await Self.start()
        let before = try h.git.remoteGit(["rev-list", "--count", "main"])
        let command = socket.sendSlashCommand(
            "/deploy shop staging main-1a2b3c4", responseURL: h.slack.responseURL("r1"))
        #expect(await socket.waitForAck(command) != nil)
        socket.disconnect(reason: "refresh_requested")
        // Slipway closes the old connection itself once the new one said hello.
        #expect(await socket.waitUntil { $0.acceptedConnections == 2 && $0.openConnectionIds == [2] })
        #expect(socket.peakOpenConnections == 2)
        let status = socket.sendSlashCommand("/deploy-status shop staging", responseURL: h.slack.responseURL("r2"))
        #expect(await socket.waitForAck(status)?.connection == 2)
        #expect(await h.waitUntil(timeout: 20) { try h.latestDeploy("shop", "staging")?.state == .succeeded })
        let deploys = try h.app.store.read { r in
            try r.recentDeploys(service: "shop", environment: "staging", limit: 10)
        }
        #expect(deploys.count == 1)
        let after = try h.git.remoteGit(["rev-list", "--count", "main"])
        #expect(
            Int(after.trimmingCharacters(in: .whitespacesAndNewlines))! == Int(
                before.trimmingCharacters(in: .whitespacesAndNewlines))! + 1)
        #expect(h.app.socketMode?.metrics.reconnects(reason: "refresh_requested") == 1)
        #expect(h.app.socketMode?.metrics.reconnects(reason: "lost") == 0)
    }

    @Test("a dropped connection is replaced and envelopes flow again")
    func droppedConnectionReconnects() async throws {
        let (h, socket) = try await Self.start()
        socket.drop()
        #expect(await socket.waitUntil { $0.acceptedConnections == 2 && $0.openConnections == 1 })
        let status = socket.sendSlashCommand("/deploy-status", responseURL: h.slack.responseURL("x"))
        let ack = await socket.waitForAck(status)
        #expect(ack?.connection == 2)
        #expect(Self.replyText(ack).contains("shop"))
        #expect(h.app.socketMode?.metrics.reconnects(reason: "lost") == 1)
        // Every URL was used once: apps.connections.open was called per connection.
        #expect(h.slack.calls(method: "apps.connections.open").count == 2)
        #expect(socket.refusedConnections == 0)
    }

    @Test("Events API envelopes reach the registered handler once and are acknowledged without a payload")
    func events() async throws {
        let (h, socket) = try await Self.start()
        let seen = Mutex<[String]>([])
        h.app.slackIngress.events.register("app_home_opened") { event in
            seen.withLock { $0.append(event.userId ?? "-") }
        }
        let callback: [String: Any] = [
            "type": "event_callback", "team_id": SlipwayHarness.teamId, "event_id": "Ev0SOCKET",
            "event": ["type": "app_home_opened", "user": "U0BOB", "tab": "home", "channel": "D0BOB"],
        ]
        let first = socket.send(type: "events_api", payload: callback)
        let again = socket.send(type: "events_api", payload: callback, retryAttempt: 1)
        #expect(await socket.waitForAck(first)?.payload == nil)
        #expect(await socket.waitForAck(again) != nil)
        #expect(seen.withLock { $0 } == ["U0BOB"])
    }

    @Test("a bot token where the app-level token belongs: Slack refuses it, no connection opens, failures are counted")
    func botTokenRefused() async throws {
        let h = try SlipwayHarness(adjust: { json in
            var slack = json["slack"] as! [String: Any]
            slack["socketMode"] = ["appTokenEnv": "SLACK_BOT_TOKEN"]
            json["slack"] = slack
        })
        let socket = try FakeSocketModeServer()
        TestScope.onExit { socket.shutdown() }
        socket.attach(to: h.slack)
        h.startServices()
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "apps.connections.open").first?.error == "not_allowed_token_type"
                    && h.app.socketMode?.metrics.metricsText.contains("connect_failures_total 1\n") == true
            })
        #expect(socket.acceptedConnections == 0)
        #expect(h.app.socketMode?.metrics.openConnections == 0)
    }
}
