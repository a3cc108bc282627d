import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// One message per request when the request may outlive Slack's `response_url` (or has none, like CI's): the
/// approval request is the deploy's own channel message, and whatever ends it edits that message in place.
@Suite("Approval requests as the deploy's own message", .harnessScope)
struct ApprovalMessageFlowTests {
    /// Approvals wait two hours: longer than the 30 minutes Slack accepts messages to a `response_url`.
    static func harness() throws -> SlipwayHarness {
        try SlipwayHarness(adjust: { json in
            var policy = json["policy"] as! [String: Any]
            policy["approvalTimeoutSeconds"] = 7200
            json["policy"] = policy
        })
    }

    static func buttons(_ message: [String: Any]?) -> Bool {
        guard let message else { return false }
        let data = (try? JSONSerialization.data(withJSONObject: message)) ?? Data()
        return String(decoding: data, as: UTF8.self).contains(ActionID.approve)
    }

    static func text(_ message: [String: Any]?) -> String {
        guard let message else { return "" }
        let data = (try? JSONSerialization.data(withJSONObject: message)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a long approval is posted once in the deploy channel; a deny edits that message and removes its buttons")
    func denyEditsTheRequest() async throws {
        let h = try Self.harness()
        try h.recordSucceeded("shop", "staging", tag: "main-aaaaaaa")
        h.startServices()
        _ = try await h.reply("/deploy shop prod main-aaaaaaa")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.state == .awaitingApproval)
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.message != nil })
        let ref = try #require(try h.deploy(deploy.id)?.message)
        let posted = h.slack.message(channel: ref.channel, ts: ref.ts)
        #expect(Self.buttons(posted), "the request carries Approve/Deny: \(Self.text(posted))")
        #expect(Self.text(posted).contains("main-aaaaaaa"))
        #expect(h.slack.calls(method: "response_url").isEmpty, "nothing goes through the command's response_url")

        let denied = try await h.click(actionId: ActionID.deny, value: deploy.approval!.token, user: "U0DANA")
        #expect(denied.status == 200)
        #expect(
            await h.waitUntil {
                let now = h.slack.message(channel: ref.channel, ts: ref.ts)
                return !Self.buttons(now) && Self.text(now).contains("denied")
            }, "\(Self.text(h.slack.message(channel: ref.channel, ts: ref.ts)))")
        try await Task.sleep(nanoseconds: 300_000_000)
        let posts = h.slack.succeededCalls(method: "chat.postMessage").filter { $0.bodyText.contains("main-aaaaaaa") }
        #expect(posts.count == 1, "one message for the request: \(posts.map(\.bodyText))")
    }

    @Test("two approvals: the first shows 1 of 2 on the same message, the second turns it into the live deploy")
    func progressThenApproval() async throws {
        let h = try SlipwayHarness(adjust: { json in
            var policy = json["policy"] as! [String: Any]
            policy["approvalTimeoutSeconds"] = 7200
            json["policy"] = policy
            SlipwayHarness.editEnvironment(&json, "prod") { prod in
                prod["approvalsRequired"] = 2
            }
        })
        try h.recordSucceeded("shop", "staging", tag: "main-bbbbbbb")
        h.startServices()
        _ = try await h.reply("/deploy shop prod main-bbbbbbb")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.message != nil })
        let ref = try #require(try h.deploy(deploy.id)?.message)
        _ = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0DANA")
        #expect(
            await h.waitUntil { Self.text(h.slack.message(channel: ref.channel, ts: ref.ts)).contains("1 of 2") },
            "\(Self.text(h.slack.message(channel: ref.channel, ts: ref.ts)))")
        #expect(Self.buttons(h.slack.message(channel: ref.channel, ts: ref.ts)), "still waiting: buttons stay")
        _ = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0ONCALL")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded })
        #expect(
            await h.waitUntil {
                let now = h.slack.message(channel: ref.channel, ts: ref.ts)
                return !Self.buttons(now) && Self.text(now).contains("succeeded")
            }, "\(Self.text(h.slack.message(channel: ref.channel, ts: ref.ts)))")
        #expect(try h.deploy(deploy.id)?.message == ref, "the live deploy kept the request's message")
    }
}
