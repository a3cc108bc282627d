import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// Approvals that fit real teams, `/status` with what decides the next deploy, and messages that keep the story.
@Suite("Approvals, status and message story end to end", .harnessScope)
struct DeployApprovalFlowTests {
    /// Production of shop needs two approvals.
    static func twoApprovals(_ json: inout [String: Any]) {
        var services = json["services"] as! [String: Any]
        var shop = services["shop"] as! [String: Any]
        var envs = shop["environments"] as! [String: Any]
        var prod = envs["prod"] as! [String: Any]
        prod["approvalsRequired"] = 2
        prod["approvers"] = ["U0DANA", "U0ONCALL", "U0ERIN"]
        prod["soakMinutes"] = 30
        envs["prod"] = prod
        shop["environments"] = envs
        services["shop"] = shop
        json["services"] = services
    }

    @Test("approvalsRequired: 2 needs two distinct approvers; the request mentions them and shows 1 of 2 approvals")
    func twoDistinctApprovers() async throws {
        let h = try SlipwayHarness(adjust: Self.twoApprovals)
        try h.recordSucceeded("shop", "staging", tag: "main-1a2b3c4")
        _ = try await h.reply("/deploy shop prod main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        let token = try #require(deploy.approval?.token)
        h.startServices()
        #expect(
            await h.waitUntil {
                h.slack.calls().contains {
                    $0.bodyText.contains(token) && $0.bodyText.contains("<@U0DANA>")
                        && $0.bodyText.contains("<@U0ERIN>") && $0.bodyText.contains("2 approvals")
                }
            })
        let first = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
        #expect(first.bodyText.contains("1 of 2 approvals"), "\(first.bodyText)")
        #expect(try h.deploy(deploy.id)?.state == .awaitingApproval)
        #expect(
            await h.waitUntil {
                h.slack.calls().contains { $0.bodyText.contains("1 of 2 approvals") && $0.bodyText.contains(token) }
            })
        let again = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
        #expect(again.bodyText.contains("already approved"), "\(again.bodyText)")
        #expect(try h.deploy(deploy.id)?.state == .awaitingApproval)
        _ = try await h.click(actionId: ActionID.approve, value: token, user: "U0ERIN")
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
    }

    @Test("/status shows pending approvals with who can approve, lock expiry, held images and what is promotable")
    func statusShowsDecisions() async throws {
        let h = try SlipwayHarness(adjust: Self.twoApprovals)
        try h.recordSucceeded("shop", "staging", tag: "main-01d0000", at: Date().addingTimeInterval(-7200))
        let promotable = try await h.reply("/deploy-status shop prod")
        #expect(promotable.text.contains("Promotable now from `staging`: `main-01d0000`"), "\(promotable.text)")
        _ = try await h.reply("/deploy shop prod main-01d0000")
        // Live in staging for 10 minutes only: soakMinutes 30 makes the newest tag not promotable yet.
        try h.recordSucceeded("shop", "staging", tag: "main-5oak000", at: Date().addingTimeInterval(-600))
        let notYet = try await h.reply("/deploy-status shop prod")
        #expect(notYet.text.contains("Nothing promotable"), "\(notYet.text)")
        #expect(notYet.text.contains("becomes promotable"), "\(notYet.text)")
        _ = try await h.reply("/deploy lock shop staging 2h migration")
        _ = try await h.reply("/deploy freeze staging 1h release party", user: "U0DANA")
        let status = try await h.reply("/deploy-status shop")
        #expect(status.text.contains("waits for 2 approvals from <@U0DANA>, <@U0ONCALL>, <@U0ERIN>"), "\(status.text)")
        #expect(status.text.contains("The lock lifts itself"), "\(status.text)")
        #expect(status.text.contains("Frozen until"), "\(status.text)")
        #expect(status.text.contains("release party"), "\(status.text)")
        let overview = try await h.reply("/deploy-status")
        #expect(overview.text.contains("frozen until"), "\(overview.text)")
    }

    @Test("a rolled-back red message keeps its cause, runbook and on-call line and says who rolled it back")
    func rolledBackKeepsStory() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let staging = SlipwayHarness.workloadNamespace("shop", "staging")
        h.kubernetes.script(namespace: staging, deployment: "shop", outcome: .fail(.oomKilled))
        _ = try await h.reply("/deploy shop staging main-bad0001")
        let failed = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(failed.id)?.state == .failed })
        h.kubernetes.script(namespace: staging, deployment: "shop", outcome: .succeed)
        _ = try await h.click(actionId: ActionID.rollback, value: failed.id, user: "U0BOB")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(failed.id)?.state == .rolledBack })
        let note = try #require(try h.deploy(failed.id)?.note)
        #expect(note.contains("<@U0BOB>"), "\(note)")
        #expect(!note.contains("d-0"), "\(note)")
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.update").contains {
                    $0.bodyText.contains("rolled back by <@U0BOB>") && $0.bodyText.contains("memory-limits.md")
                        && $0.bodyText.contains("On call")
                }
            })
        let lock = try #require(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") })
        #expect(!lock.reason.contains("<@"))
    }

    @Test("a promotion's green message tags every commit author whose image ran in staging since the old tag")
    func promotionTagsEveryAuthor() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let authors: [[String: Any]] = [
            ["name": "Carol", "email": "carol@nortinia.example"], ["name": "Alice", "email": "alice@nortinia.example"],
            ["name": "Dave Doe"],
        ]
        for (index, author) in authors.enumerated() {
            let response = try await h.imageBuilt([
                "repo": "nortinia-ltd/shop", "sha": "abc\(index)def0123", "tag": "main-abc\(index)def",
                "env": "staging",
                "author": author,
            ])
            let id = try #require(ImageBuiltWebhookTests.deployId(response))
            #expect(await h.waitUntil(timeout: 20) { try h.deploy(id)?.state.isTerminal == true })
        }
        _ = try await h.reply("/deploy shop prod")
        let promotion = try #require(try h.latestDeploy("shop", "prod"))
        #expect(promotion.targetTag == "main-abc2def")
        _ = try await h.click(actionId: ActionID.approve, value: promotion.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(promotion.id)?.state == .succeeded })
        #expect(
            await h.waitUntil {
                h.slack.calls().contains {
                    $0.bodyText.contains("succeeded") && $0.bodyText.contains("*Authors*")
                        && $0.bodyText.contains("<@U0CAROL>") && $0.bodyText.contains("<@U0ALICE>")
                        && $0.bodyText.contains("Dave Doe")
                }
            })
    }

    @Test("approvers may name a Slack user group: a member approves, the request mentions the group")
    func usergroupApprover() async throws {
        let h = try SlipwayHarness(adjust: { json in
            var services = json["services"] as! [String: Any]
            var shop = services["shop"] as! [String: Any]
            var envs = shop["environments"] as! [String: Any]
            var prod = envs["prod"] as! [String: Any]
            prod["approvers"] = ["S0SRE", "S0GONE"]
            envs["prod"] = prod
            shop["environments"] = envs
            services["shop"] = shop
            json["services"] = services
        })
        h.slack.setUsergroup("S0SRE", members: ["U0ERIN", "U0ALICE"])
        h.slack.setUsergroup("S0GONE", members: nil)
        try h.recordSucceeded("shop", "staging", tag: "main-1a2b3c4")
        _ = try await h.reply("/deploy shop prod main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        let token = try #require(deploy.approval?.token)
        h.startServices()
        #expect(
            await h.waitUntil {
                h.slack.calls().contains { $0.bodyText.contains(token) && $0.bodyText.contains("<!subteam^S0SRE>") }
            })
        let outsider = try await h.click(actionId: ActionID.approve, value: token, user: "U0MALLORY")
        #expect(outsider.bodyText.contains("not an approver"), "\(outsider.bodyText)")
        // A group Slack does not know is named, so the configuration can be fixed.
        #expect(outsider.bodyText.contains("no user group S0GONE"), "\(outsider.bodyText)")
        let own = try await h.click(actionId: ActionID.approve, value: token, user: "U0ALICE")
        #expect(own.bodyText.contains("someone else must approve"), "\(own.bodyText)")
        _ = try await h.click(actionId: ActionID.approve, value: token, user: "U0ERIN")
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.approval?.decidedBy == "U0ERIN" })
    }
}
