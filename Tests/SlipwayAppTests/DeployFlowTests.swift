import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

@Suite("Deploys end to end with real git", .harnessScope)
struct DeployFlowTests {
    @Test("/deploy commits exactly the new tag to the GitOps remote, and Flux's rollout makes it succeed")
    func deployCommits() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let accepted = try await h.reply("/deploy shop staging main-1a2b3c4")
        // Nothing is recorded of shop/staging before its first deploy: the reply says so, not a bare `?`.
        #expect(accepted.text.contains("`shop/staging`: _not recorded_ → `main-1a2b3c4`"), "\(accepted.text)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        #expect(try h.remoteTag("shop", "staging") == "main-1a2b3c4")
        #expect(try h.remoteTag("shop", "prod") == GitFixture.initialTag)
        let message = try h.git.remoteGit(["log", "-1", "--format=%B", "main"])
        #expect(message.contains("deploy(shop/staging): main-0000000 → main-1a2b3c4"))
        #expect(message.contains("Slipway-Deploy-Id: \(deploy.id)"))
        #expect(message.contains("Requested-By:"))
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.gitCommit == (try h.git.remoteHead()))
        #expect(stored.previousTag == GitFixture.initialTag)
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state == .succeeded })
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains("`main-1a2b3c4`"))
        #expect(status.text.contains("succeeded"))
    }

    @Test("deploying the current tag commits nothing and says so")
    func alreadyCurrent() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let before = try h.git.remoteHead()
        _ = try await h.reply("/deploy shop staging \(GitFixture.initialTag)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.state == .cancelled })
        #expect(try h.deploy(deploy.id)?.note?.contains("already the current tag") == true)
        #expect(try h.git.remoteHead() == before)
    }

    @Test("production needs an approver who is not the requester; the button value is opaque")
    func approvalFlow() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        // Only a tag that succeeded in staging is promoted.
        #expect(await h.waitUntil(timeout: 20) { try h.latestDeploy("shop", "staging")?.state == .succeeded })
        let reply = try await h.reply("/deploy shop prod")
        #expect(reply.text.contains("Waiting for an approver"))
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.state == .awaitingApproval)
        #expect(deploy.targetTag == "main-1a2b3c4")
        let token = try #require(deploy.approval?.token)
        #expect(!token.contains("shop") && !token.contains("main-"))
        // The approval request is posted in the channel through response_url.
        #expect(
            await h.waitUntil {
                h.slack.calls().contains { $0.bodyText.contains("deploy.approve") && $0.bodyText.contains(token) }
            })

        let own = try await h.click(actionId: ActionID.approve, value: token, user: "U0ALICE")
        #expect(own.bodyText.contains("someone else must approve"))
        let outsider = try await h.click(actionId: ActionID.approve, value: token, user: "U0MALLORY")
        #expect(outsider.bodyText.contains("not an approver"))
        #expect(try h.deploy(deploy.id)?.state == .awaitingApproval)

        let approved = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
        #expect(approved.status == 200)
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        #expect(try h.remoteTag("shop", "prod") == "main-1a2b3c4")
        #expect(try h.deploy(deploy.id)?.approval?.decidedBy == "U0DANA")
        let again = try await h.click(actionId: ActionID.approve, value: token, user: "U0ONCALL")
        #expect(again.bodyText.contains("already approved"))
    }

    @Test("an approval expires after policy.approvalTimeoutSeconds")
    func approvalExpires() async throws {
        let clock = TestClock(now: Date())
        let h = try SlipwayHarness(clock: { clock.now })
        try h.recordSucceeded("shop", "staging", tag: "main-1a2b3c4")
        _ = try await h.reply("/deploy shop prod main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        clock.advance(by: 1801)
        let click = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0DANA")
        #expect(click.bodyText.contains("expired"))
        #expect(try h.deploy(deploy.id)?.state == .cancelled)
    }

    @Test("Deny cancels the request")
    func deny() async throws {
        let h = try SlipwayHarness()
        try h.recordSucceeded("shop", "staging", tag: "main-1a2b3c4")
        _ = try await h.reply("/deploy shop prod main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.click(actionId: ActionID.deny, value: deploy.approval!.token, user: "U0DANA")
        #expect(try h.deploy(deploy.id)?.state == .cancelled)
        #expect(try h.deploy(deploy.id)?.note?.contains("denied") == true)
    }

    @Test("locks block manual and CI deploys until unlocked, and show who and why")
    func locks() async throws {
        let h = try SlipwayHarness()
        let locked = try await h.reply("/deploy lock shop staging database migration")
        #expect(locked.type == "in_channel")
        let refused = try await h.reply("/deploy shop staging main-1a2b3c4", user: "U0BOB")
        #expect(refused.text.contains("locked by <@U0ALICE>"))
        #expect(refused.text.contains("database migration"))
        let ci = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "1a2b3c4d5e6f", "tag": "main-1a2b3c4", "env": "staging",
        ])
        #expect(ci.status == 202)
        #expect(ci.bodyText.contains("blocked"))
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains("Locked by <@U0ALICE>"))
        #expect(status.text.contains("blocked"))
        _ = try await h.reply("/deploy unlock shop staging")
        let accepted = try await h.reply("/deploy shop staging main-1a2b3c4", user: "U0BOB")
        #expect(accepted.type == "in_channel")
    }

    @Test("rollback targets the last known good tag; it needs approval only where deploys do")
    func rollback() async throws {
        let h = try SlipwayHarness()
        // Nothing succeeded yet: there is no last known good tag.
        let none = try await h.reply("/rollback shop staging")
        #expect(none.text.contains("No safe rollback target"), "\(none.text)")
        let chosen = try await h.reply("/rollback shop staging main-0ld0ld0")
        #expect(chosen.text.contains("Rolling back"), "\(chosen.text)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(deploy.kind == .rollback)
        #expect(deploy.state == .committing)
        try h.recordSucceeded("shop", "prod", tag: "main-0ld0ld0")
        let prod = try await h.reply("/rollback shop prod", user: "U0BOB")
        #expect(prod.text.contains("requested a rollback"), "\(prod.text)")
        let pending = try #require(try h.latestDeploy("shop", "prod"))
        #expect(pending.targetTag == "main-0ld0ld0")
        #expect(pending.state == .awaitingApproval)
    }

    @Test("a newer deploy that reaches git supersedes an unfinished older one")
    func supersede() async throws {
        let h = try SlipwayHarness()
        try h.recordSucceeded("shop", "staging", tag: "main-aaaaaaa")
        _ = try await h.reply("/deploy shop prod main-aaaaaaa")
        let older = try #require(try h.latestDeploy("shop", "prod"))
        try h.recordSucceeded("shop", "staging", tag: "main-bbbbbbb")
        _ = try await h.reply("/deploy shop prod main-bbbbbbb", user: "U0BOB")
        let newer = try #require(try h.latestDeploy("shop", "prod"))
        #expect(newer.id != older.id)
        _ = try await h.click(actionId: ActionID.approve, value: newer.approval!.token, user: "U0DANA")
        h.startServices()
        #expect(await h.waitUntil { try h.deploy(newer.id)?.gitCommit != nil })
        #expect(try h.deploy(older.id)?.state == .superseded)
        #expect(try h.deploy(older.id)?.note == "superseded by \(newer.id)")
        let late = try await h.click(actionId: ActionID.approve, value: older.approval!.token, user: "U0DANA")
        #expect(late.bodyText.contains("no longer waiting for approval"))
        #expect(try h.remoteTag("shop", "prod") == "main-bbbbbbb")
    }
}
