import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite("Replayed and hostile Slack requests", .harnessScope)
struct SlackAbuseTests {
    @Test("a replayed signed /deploy is answered \"already handled\" and does not deploy again")
    func replayedDeploy() async throws {
        let h = try SlipwayHarness()
        let body = h.commandBody("/deploy shop staging main-1a2b3c4")
        let headers = h.slackHeaders(body)
        let first = try await h.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(first.status == 200)
        let id = try #require(try h.latestDeploy("shop", "staging")?.id)

        let replay = try await h.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(replay.status == 200)
        #expect(replay.bodyText.contains("already handled"))
        #expect(replay.bodyText.contains("ephemeral"))
        let deploys = try h.app.store.read { r in
            try r.recentDeploys(service: "shop", environment: "staging", limit: 10)
        }
        #expect(deploys.map(\.id) == [id])
    }

    @Test("a lock replayed after an unlock does not lock again")
    func replayedLock() async throws {
        let h = try SlipwayHarness()
        let lockBody = h.commandBody("/deploy lock shop staging database migration")
        let lockHeaders = h.slackHeaders(lockBody)
        #expect(try await h.send(.post, "/slack/commands", headers: lockHeaders, body: lockBody).status == 200)
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } != nil)
        _ = try await h.reply("/deploy unlock shop staging")
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } == nil)

        let replay = try await h.send(.post, "/slack/commands", headers: lockHeaders, body: lockBody)
        #expect(replay.status == 200)
        #expect(replay.bodyText.contains("already handled"))
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } == nil)
        // The same command sent again by the user (a new signature) still works.
        let again = try await h.reply("/deploy lock shop staging second try")
        #expect(again.type == "in_channel")
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } != nil)
    }

    @Test("a replayed button click is answered \"already handled\" instead of being handled again")
    func replayedClick() async throws {
        let h = try SlipwayHarness()
        let payload: [String: Any] = [
            "type": "block_actions", "team": ["id": SlipwayHarness.teamId, "domain": "nortinia"],
            "user": ["id": "U0ALICE", "username": "alice", "name": "alice", "team_id": SlipwayHarness.teamId],
            "api_app_id": "A1", "token": "x", "trigger_id": "trigger-replay",
            "container": ["type": "message", "message_ts": "1.1", "channel_id": "C0DEPLOYS", "is_ephemeral": false],
            "channel": ["id": "C0DEPLOYS", "name": "deploys"],
            "actions": [
                ["action_id": "no.such.button", "block_id": "b", "value": "x", "type": "button", "action_ts": "1.2"]
            ],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let body = Array("payload=\(FormEncoder.encode(json))".utf8)
        let headers = h.slackHeaders(body)
        let first = try await h.send(.post, "/slack/interactions", headers: headers, body: body)
        #expect(first.status == 200)
        #expect(first.bodyText.contains("expired"))
        let replay = try await h.send(.post, "/slack/interactions", headers: headers, body: body)
        #expect(replay.status == 200)
        #expect(replay.bodyText.contains("already handled"))
    }

    @Test("NUL, control and bidirectional-override characters in a lock reason never reach Slack")
    func controlAndBidiCharactersAreRemoved() async throws {
        let h = try SlipwayHarness()
        let reason = "db\u{0}mig\u{1B}[31mration \u{202E}gnp.exe\u{202C} \u{2066}x\u{2069}\u{200F}\u{7F} end"
        let lock = try await h.command("/deploy lock shop staging \(reason)")
        let status = try await h.command("/status shop staging")
        for response in [lock, status] {
            #expect(response.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(response.body))
            let texts = Self.strings(in: json).joined(separator: "\n")
            #expect(texts.contains("dbmig[31mration gnp.exe x end"), "\(texts)")
            let forbidden: [Unicode.Scalar] = [
                "\u{0}", "\u{1B}", "\u{7F}", "\u{202E}", "\u{202C}", "\u{2066}", "\u{2069}", "\u{200F}",
            ]
            for scalar in forbidden {
                #expect(!texts.unicodeScalars.contains(scalar), "U+\(String(scalar.value, radix: 16)) reached Slack")
            }
        }
    }

    /// Every string in a decoded JSON value.
    static func strings(in value: Any) -> [String] {
        if let string = value as? String { return [string] }
        if let array = value as? [Any] { return array.flatMap(strings) }
        if let object = value as? [String: Any] { return object.values.flatMap(strings) }
        return []
    }
}
