import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// The deploy decisions of issue 13 end to end: real server, store and git, fake Slack and cluster.
@Suite("Deploy decisions end to end", .harnessScope)
struct DeployPolicyFlowTests {
    static let staging = SlipwayHarness.workloadNamespace("shop", "staging")

    /// Deploys `tag` to shop/staging (no approval there) and waits until it ends.
    static func deployStaging(_ h: SlipwayHarness, _ tag: String, fails: Bool) async throws -> Deploy {
        h.kubernetes.script(
            namespace: staging, deployment: "shop", outcome: fails ? .fail(.oomKilled) : .succeed)
        _ = try await h.reply("/deploy shop staging \(tag)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(deploy.targetTag == tag)
        let wanted: DeployState = fails ? .failed : .succeeded
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == wanted })
        return try #require(try h.deploy(deploy.id))
    }

    @Test("/deploy shop prod does not promote the tag staging runs when that deploy failed; it names the gate")
    func failedStagingIsNotPromoted() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await Self.deployStaging(h, "main-bad0001", fails: true)
        let promote = try await h.reply("/deploy shop prod")
        #expect(promote.text.contains("Promotion gate"), "\(promote.text)")
        #expect(promote.text.contains("main-bad0001"), "\(promote.text)")
        let explicit = try await h.reply("/deploy shop prod main-bad0001")
        #expect(explicit.text.contains("has not succeeded in `shop/staging`"), "\(explicit.text)")
        #expect(try h.latestDeploy("shop", "prod") == nil)
    }

    @Test("/deploy shop prod promotes the newest tag that succeeded in staging, not a later failed one")
    func promotesNewestSucceeded() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await Self.deployStaging(h, "main-good001", fails: false)
        _ = try await Self.deployStaging(h, "main-bad0002", fails: true)
        let promote = try await h.reply("/deploy shop prod")
        #expect(promote.text.contains("Waiting for an approver"), "\(promote.text)")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.targetTag == "main-good001")
    }

    @Test("a burst of queued CI deploys in staging does not hide the tag that succeeded there from promotion")
    func burstKeepsHistory() async throws {
        // The worker is not running: every CI deploy stays queued, as in a burst the worker has not reached yet.
        let h = try SlipwayHarness()
        try h.recordSucceeded("shop", "staging", tag: "main-good001")
        for n in 0..<110 {
            let sha = String(format: "%012x", 0xb00000 + n)
            let built = try await h.imageBuilt([
                "repo": "nortinia-ltd/shop", "sha": sha, "tag": "main-\(sha.suffix(7))", "env": "staging",
            ])
            #expect(built.status == 202, "\(built.bodyText)")
        }
        let promote = try await h.reply("/deploy shop prod")
        #expect(promote.text.contains("Waiting for an approver"), "\(promote.text)")
        #expect(try h.latestDeploy("shop", "prod")?.targetTag == "main-good001")
    }

    @Test("a made-up tag is refused for production, naming the newest known tags")
    func madeUpTagRefused() async throws {
        let h = try SlipwayHarness()
        let built = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "1a2b3c4d5e6f", "tag": "main-1a2b3c4", "env": "prod",
        ])
        #expect(built.status == 200)
        let reply = try await h.reply("/deploy shop prod totally-made-up-tag")
        #expect(reply.type == "ephemeral")
        #expect(reply.text.contains("never saw `totally-made-up-tag` built"), "\(reply.text)")
        #expect(reply.text.contains("`main-1a2b3c4`"), "\(reply.text)")
        #expect(try h.latestDeploy("shop", "prod") == nil)
    }

    @Test("after two failed deploys the Rollback button offers the last good tag, never a failed one")
    func rollbackButtonSkipsFailedTags() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await Self.deployStaging(h, "main-9999999", fails: true)
        let second = try await Self.deployStaging(h, "main-8888888", fails: true)
        #expect(
            await h.waitUntil {
                h.slack.calls().contains {
                    $0.bodyText.contains("main-8888888") && $0.bodyText.contains(ActionID.rollback)
                }
            })
        let buttons = h.slack.calls().filter { $0.bodyText.contains(ActionID.rollback) }.map(\.bodyText)
        #expect(!buttons.contains { $0.contains("Roll back to main-9999999") })
        #expect(buttons.contains { $0.contains("Roll back to \(GitFixture.initialTag)") })
        h.kubernetes.script(namespace: Self.staging, deployment: "shop", outcome: .succeed)
        let clicked = try await h.click(actionId: ActionID.rollback, value: second.id, user: "U0BOB")
        #expect(clicked.bodyText.contains("Rollback of `shop/staging`"), "\(clicked.bodyText)")
        let rollback = try #require(try h.latestDeploy("shop", "staging"))
        #expect(rollback.kind == .rollback)
        #expect(rollback.targetTag == GitFixture.initialTag)
        // An explicit rollback to a tag that failed there is refused.
        let refused = try await h.reply("/rollback shop staging main-9999999")
        #expect(refused.text.contains("not a safe rollback target"), "\(refused.text)")
    }

    @Test("a rollback where nobody approves deploys (approvers: []) goes ahead instead of waiting forever")
    func rollbackWithoutApprovers() async throws {
        let h = try SlipwayHarness(adjust: { json in
            var services = json["services"] as! [String: Any]
            var shop = services["shop"] as! [String: Any]
            var envs = shop["environments"] as! [String: Any]
            var staging = envs["staging"] as! [String: Any]
            staging["approvers"] = [String]()
            envs["staging"] = staging
            shop["environments"] = envs
            services["shop"] = shop
            json["services"] = services
        })
        h.startServices()
        let reply = try await h.reply("/rollback shop staging main-0ld0ld0")
        #expect(!reply.text.contains("Approvers: ."), "\(reply.text)")
        let rollback = try #require(try h.latestDeploy("shop", "staging"))
        #expect(rollback.state != .awaitingApproval)
        #expect(await h.waitUntil { try h.remoteTag("shop", "staging") == "main-0ld0ld0" })
    }

    @Test("a second /deploy of the same environment supersedes the pending one; its Approve button is dead")
    func oneLiveRequest() async throws {
        let h = try SlipwayHarness()
        try h.recordSucceeded("shop", "staging", tag: "main-aaaaaaa")
        try h.recordSucceeded("shop", "staging", tag: "main-bbbbbbb")
        _ = try await h.reply("/deploy shop prod main-aaaaaaa")
        let first = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.reply("/deploy shop prod main-bbbbbbb", user: "U0BOB")
        let second = try #require(try h.latestDeploy("shop", "prod"))
        #expect(second.id != first.id)
        #expect(try h.deploy(first.id)?.state == .superseded)
        let pending = try h.app.store.read { r in try r.deploys(in: [.awaitingApproval]) }
        #expect(pending.map(\.id) == [second.id])
        let late = try await h.click(actionId: ActionID.approve, value: first.approval!.token, user: "U0DANA")
        #expect(late.bodyText.contains("no longer waiting for approval"), "\(late.bodyText)")
        // The superseded request's own message is replaced (its buttons go); no new channel post about it.
        h.startServices()
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "response_url").contains {
                    $0.bodyText.contains("Superseded") && $0.bodyText.contains("main-aaaaaaa")
                        && $0.bodyText.contains("replace_original") && !$0.bodyText.contains(ActionID.approve)
                }
            })
        let denied = try await h.click(actionId: ActionID.deny, value: second.approval!.token, user: "U0DANA")
        #expect(denied.status == 200)
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "response_url").contains {
                    $0.bodyText.contains("Denied by") && $0.bodyText.contains("main-bbbbbbb")
                }
            })
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(!h.slack.calls(method: "chat.postMessage").contains { $0.bodyText.contains("main-aaaaaaa") })
        #expect(!h.slack.calls(method: "chat.postMessage").contains { $0.bodyText.contains("main-bbbbbbb") })
    }

    @Test("a CI deploy blocked by a lock is announced in the channel")
    func blockedCIIsAnnounced() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.reply("/deploy lock shop staging database migration")
        let ci = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "1a2b3c4d5e6f", "tag": "main-1a2b3c4", "env": "staging",
        ])
        #expect(ci.bodyText.contains("blocked"))
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postMessage").contains {
                    $0.bodyText.contains("main-1a2b3c4") && $0.bodyText.contains("locked by")
                }
            })
    }

    @Test("CI does not deploy again a tag that already failed in the environment; a human still may")
    func ciSkipsFailedTag() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let failed = try await Self.deployStaging(h, "main-1a2b3c4", fails: true)
        _ = try await Self.deployStaging(h, "main-2b3c4d5", fails: false)
        let ci = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "1a2b3c4d5e6f", "tag": "main-1a2b3c4", "env": "staging",
        ])
        #expect(ci.bodyText.contains("blocked"), "\(ci.bodyText)")
        let blocked = try #require(try h.latestDeploy("shop", "staging"))
        #expect(blocked.state == .blocked)
        #expect(blocked.note?.contains(failed.id) == true)
        let manual = try await h.reply("/deploy shop staging main-1a2b3c4")
        #expect(manual.text.contains("Deploying"), "\(manual.text)")
    }
}
