import DeployCore
import Foundation
import SlipwayApp
import SlipwaySlack
import SlipwayTesting
import Synchronization
import Testing

/// Real time plus an offset the test moves forward (the deploy flow keeps running on real time).
final class OffsetClock: Sendable {
    private let offset = Mutex<Double>(0)
    func advance(by seconds: Double) { offset.withLock { $0 += seconds } }
    var source: @Sendable () -> Date { { [self] in Date().addingTimeInterval(offset.withLock { $0 }) } }
}

@Suite("On call from PagerDuty: the schedule decides who gets the DM", .harnessScope)
struct OnCallFromPagerDutyTests {
    static let schedule = "PSCHED01"

    static func adjust(_ json: inout [String: Any]) {
        let events = (json["pagerduty"] as? [String: Any])?["eventsURL"] as? String ?? ""
        json["onCall"] = [
            "slackUserIds": ["U0ONCALL"],
            "pagerduty": [
                "scheduleIds": [schedule], "apiTokenEnv": "PAGERDUTY_API_TOKEN",
                "apiURL": events.replacingOccurrences(of: "/v2/enqueue", with: ""),
            ],
        ]
        json["people"] = ["alice@nortinia.example": "U0ALICE", "dave@nortinia.example": "U0DAVE"]
    }

    /// Fails a staging deploy of `tag` and returns the users DM'd about it.
    static func failDeploy(_ h: SlipwayHarness, tag: String) async throws -> [String] {
        let before = h.slack.calls(method: "conversations.open").count
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .fail(.oomKilled))
        _ = try await h.reply("/deploy shop staging \(tag)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .failed })
        #expect(
            await h.waitUntil(timeout: 10) {
                h.slack.calls(method: "conversations.open").count > before
                    && h.slack.calls(method: "chat.postMessage").contains {
                        $0.bodyText.contains(deploy.id) && $0.string("channel")?.hasPrefix("D") == true
                    }
            })
        return h.slack.calls(method: "conversations.open").dropFirst(before).compactMap { $0.string("users") }
    }

    @Test("the DM goes to who PagerDuty has on call; a schedule change moves it; an outage falls back, and says so")
    func scheduleMovesTheDM() async throws {
        let clock = OffsetClock()
        let h = try SlipwayHarness(clock: clock.source, adjust: Self.adjust)
        h.startServices()
        let schedules = h.pagerDuty.schedules
        // Carol is found through Slack's directory (users.lookupByEmail), Dave through `people`.
        schedules.setOnCall(
            schedule: Self.schedule, [.init(id: "PCAROL1", name: "Carol", email: "carol@nortinia.example")])

        #expect(try await Self.failDeploy(h, tag: "main-bad0001") == ["U0CAROL"])
        let request = try #require(schedules.requests.first)
        #expect(request.headers["Authorization"] == "Token token=\(FakePagerDutySchedules.apiToken)")
        #expect(request.query.contains("schedule_ids%5B%5D=\(Self.schedule)"))
        #expect(request.query.contains("include%5B%5D=users"))
        let dm = try #require(h.slack.calls(method: "chat.postMessage").last { $0.string("channel") == "D0CAROL" })
        #expect(dm.bodyText.contains("You are on call"))
        #expect(!dm.bodyText.contains("fallback"))
        // The channel message names who PagerDuty has on call.
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.update").contains {
                    $0.bodyText.contains("On call (PagerDuty): <@U0CAROL>")
                }
            })

        // The rotation moves to Dave: within the five minutes the cached answer stands, after them Dave gets it.
        schedules.setOnCall(
            schedule: Self.schedule, [.init(id: "PDAVE01", name: "Dave", email: "dave@nortinia.example")])
        clock.advance(by: 301)
        #expect(try await Self.failDeploy(h, tag: "main-bad0002") == ["U0DAVE"])
        #expect(!h.slack.calls(method: "users.lookupByEmail").contains { $0.query.contains("dave") })

        // PagerDuty is down: the configured list stands in, and the DM says so.
        schedules.setOutage(true)
        clock.advance(by: 301)
        #expect(try await Self.failDeploy(h, tag: "main-bad0003") == ["U0ONCALL"])
        let fallback = try #require(
            h.slack.calls(method: "chat.postMessage").last { $0.string("channel") == "D0ONCALL" })
        #expect(fallback.bodyText.contains("PagerDuty could not be reached"))
        #expect(fallback.bodyText.contains("fallback"))

        // The status command shows who is on call, and where that came from.
        let status = try await h.reply("/deploy-status")
        #expect(status.text.contains("On call (fallback list: PagerDuty could not be reached"))
        #expect(status.text.contains("<@U0ONCALL>"))
    }

    @Test("a schedule id that is not one is refused with its path")
    func badScheduleId() throws {
        var json = SlipwayHarness.configJSON(
            remote: "/tmp/r", checkout: "/tmp/c", slackURL: "http://127.0.0.1:9/api",
            pagerDutyURL: "http://127.0.0.1:9/v2/enqueue", store: ["sqlite": ["path": "/tmp/x.sqlite"]])
        json["onCall"] = ["pagerduty": ["scheduleIds": ["not an id"], "apiTokenEnv": "PAGERDUTY_API_TOKEN"]]
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect {
            try ConfigLoader.parse(data)
        } throws: { error in
            "\(error)".contains("onCall.pagerduty.scheduleIds") && "\(error)".contains("PagerDuty schedule id")
        }
        // Without `pagerduty`, the list stays required; with it, it may be left out.
        json["onCall"] = ["pagerduty": ["scheduleIds": ["PABC123"], "apiTokenEnv": "PAGERDUTY_API_TOKEN"]]
        let config = try ConfigLoader.parse(try JSONSerialization.data(withJSONObject: json))
        #expect(config.onCallPagerDuty?.apiURL == "https://api.pagerduty.com")
        #expect(config.onCallSlackUserIds.isEmpty)
        #expect(config.secretEnvironmentVariables.contains { $0.name == "PAGERDUTY_API_TOKEN" })
    }
}
