import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Synchronization
import Testing

@Suite("Slack Events API over HTTP (/slack/events)", .harnessScope)
struct SlackEventsTests {
    static func body(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func homeOpened(eventId: String, user: String = "U0ALICE", team: String = SlipwayHarness.teamId) throws
        -> [UInt8]
    {
        try body([
            "token": "x", "team_id": team, "api_app_id": "A1", "type": "event_callback", "event_id": eventId,
            "event_time": 1_700_000_000,
            "event": ["type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"],
        ])
    }

    @Test("the url_verification challenge is answered with the challenge")
    func challenge() async throws {
        let h = try SlipwayHarness()
        let body = try Self.body([
            "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        ])
        let response = try await h.send(.post, "/slack/events", headers: h.slackHeaders(body), body: body)
        #expect(response.status == 200)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(object?["challenge"] as? String == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    }

    @Test("an event reaches the handler registered for its type once, however often Slack retries it")
    func dispatchedOnce() async throws {
        let h = try SlipwayHarness()
        let seen = Mutex<[String]>([])
        h.app.slackIngress.events.register("app_home_opened") { event in
            seen.withLock { $0.append("\(event.userId ?? "-") \(event.tab ?? "-")") }
        }
        let body = try Self.homeOpened(eventId: "Ev0HOME1")
        let now = Int64(Date().timeIntervalSince1970)
        // Slack's retry carries a fresh signature (new timestamp) and the same event_id.
        for timestamp in [now, now + 1, now + 2] {
            let response = try await h.send(
                .post, "/slack/events", headers: h.slackHeaders(body, timestamp: timestamp), body: body)
            #expect(response.status == 200)
        }
        #expect(seen.withLock { $0 } == ["U0ALICE home"])
        // Events of a type nobody handles are acknowledged.
        let other = try Self.body([
            "type": "event_callback", "team_id": SlipwayHarness.teamId, "event_id": "Ev0OTHER",
            "event": ["type": "member_joined_channel"],
        ])
        #expect(try await h.send(.post, "/slack/events", headers: h.slackHeaders(other), body: other).status == 200)
    }

    @Test("a bad signature is 401, another workspace 403, a body that is not an event 400; none is dispatched")
    func refused() async throws {
        let h = try SlipwayHarness()
        let count = Atomic(0)
        h.app.slackIngress.events.register("app_home_opened") { _ in count.add(1, ordering: .relaxed) }
        let body = try Self.homeOpened(eventId: "Ev0BAD")
        let forged = h.slackHeaders(body, secret: "not-the-secret")
        #expect(try await h.send(.post, "/slack/events", headers: forged, body: body).status == 401)
        let other = try Self.homeOpened(eventId: "Ev0TEAM", team: "T0OTHER")
        #expect(try await h.send(.post, "/slack/events", headers: h.slackHeaders(other), body: other).status == 403)
        let junk = Array("payload=nope".utf8)
        let response = try await h.send(.post, "/slack/events", headers: h.slackHeaders(junk), body: junk)
        #expect(response.status == 400)
        #expect(response.bodyText.contains("malformed event"))
        #expect(count.load(ordering: .relaxed) == 0)
    }
}
