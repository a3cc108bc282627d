import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite("App Home: the dashboard on app_home_opened, kept current, with working Approve buttons", .harnessScope)
struct AppHomeTests {
    static func homeOpened(_ h: SlipwayHarness, user: String, eventId: String) async throws -> HTTPResponse {
        let body = Array(
            try JSONSerialization.data(withJSONObject: [
                "token": "x", "team_id": SlipwayHarness.teamId, "api_app_id": "A1", "type": "event_callback",
                "event_id": eventId, "event_time": 1_700_000_000,
                "event": ["type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"],
            ]))
        return try await h.send(.post, "/slack/events", headers: h.slackHeaders(body), body: body)
    }

    static func text(_ view: [String: Any]?) -> String {
        guard let view, let data = try? JSONSerialization.data(withJSONObject: view) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the home tab shows every environment's state and the user's approvals; its Approve button approves")
    func homeShowsAndActs() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "5d6e7f8a9b0c", "tag": "main-5d6e7f8", "env": "staging",
        ])
        let staging = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(staging.id)?.state == .succeeded })
        _ = try await h.reply("/deploy lock api staging load test")
        _ = try await h.reply("/deploy shop prod")
        let prod = try #require(try h.latestDeploy("shop", "prod"))
        #expect(prod.state == .awaitingApproval)

        #expect(try await Self.homeOpened(h, user: "U0DANA", eventId: "Ev1").status == 200)
        #expect(await h.waitUntil { Self.text(h.slack.views.home(of: "U0DANA")).contains(ActionID.approve) })
        let home = Self.text(h.slack.views.home(of: "U0DANA"))
        #expect(home.contains("✅ *staging*: `main-5d6e7f8`"))
        #expect(home.contains("🔒 *staging*"))
        #expect(home.contains("load test"))
        #expect(home.contains("🔐 Deploy *shop* to *prod*"))
        let publish = try #require(h.slack.calls(method: "views.publish").last)
        #expect(publish.string("user_id") == "U0DANA")
        #expect(publish.succeeded)

        // The requester may not approve their own deploy: their tab has no button.
        _ = try await Self.homeOpened(h, user: "U0ALICE", eventId: "Ev2")
        #expect(await h.waitUntil { h.slack.views.home(of: "U0ALICE") != nil })
        #expect(!Self.text(h.slack.views.home(of: "U0ALICE")).contains(ActionID.approve))

        // The button, clicked in the Home tab (a view: no channel, no response_url), approves like the channel's.
        let view = try #require(h.slack.views.home(of: "U0DANA"))
        let blocks = try #require(view["blocks"] as? [[String: Any]])
        let actions = try #require(blocks.first { ($0["block_id"] as? String) == "approval-\(prod.id)" })
        let approve = try #require(
            (actions["elements"] as? [[String: Any]])?.first { $0["action_id"] as? String == ActionID.approve })
        let clicked = try await h.interaction([
            "type": "block_actions", "team": ["id": SlipwayHarness.teamId, "domain": "nortinia"],
            "user": ["id": "U0DANA", "username": "u0dana", "name": "u0dana", "team_id": SlipwayHarness.teamId],
            "api_app_id": "A1", "token": "x", "trigger_id": "trigger-home",
            "container": ["type": "view", "view_id": "VH1"], "view": ["id": "VH1", "type": "home"],
            "actions": [
                [
                    "action_id": ActionID.approve, "block_id": "approval-\(prod.id)",
                    "value": approve["value"] as? String ?? "", "type": "button", "action_ts": "1.2",
                ]
            ],
        ])
        #expect(clicked.status == 200)
        #expect(try h.deploy(prod.id)?.approval?.decidedBy == "U0DANA")
        #expect(try h.deploy(prod.id)?.state != .awaitingApproval)

        // The open tab follows: the approval is gone, then prod goes live.
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(prod.id)?.state == .succeeded })
        #expect(
            await h.waitUntil(timeout: 10) {
                let now = Self.text(h.slack.views.home(of: "U0DANA"))
                return !now.contains(ActionID.approve) && now.contains("✅ *prod*: `main-5d6e7f8`")
            })
        // Refreshed on change only, not at every tick.
        let count = h.slack.views.publishCount(user: "U0DANA")
        try await Task.sleep(nanoseconds: 2_500_000_000)
        #expect(h.slack.views.publishCount(user: "U0DANA") == count)
    }

    @Test("the manifest turns the Home tab on and subscribes to app_home_opened")
    func manifest() throws {
        let h = try SlipwayHarness()
        let text = try SlackManifest.render(for: h.config, baseURL: "https://slipway.example.com")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let home = (object["features"] as? [String: Any])?["app_home"] as? [String: Any]
        #expect(home?["home_tab_enabled"] as? Bool == true)
        let events = (object["settings"] as? [String: Any])?["event_subscriptions"] as? [String: Any]
        #expect(events?["bot_events"] as? [String] == ["app_home_opened"])
        #expect(events?["request_url"] as? String == "https://slipway.example.com/slack/events")
    }
}
