import DeployCore
import Foundation
import SlipwayApp
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite("From CI or /deploy to the final Slack message, DM and page", .harnessScope)
struct NotificationFlowTests {
    @Test("a CI deploy posts one message, updates it in place and ends green with the author tagged")
    func greenMessage() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let response = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "5d6e7f8a9b0c", "tag": "main-5d6e7f8", "env": "staging",
            "author": ["name": "Alice <!channel>", "email": "alice@nortinia.example"], "message": "Ship <!here> it",
        ])
        #expect(response.status == 202)
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state == .succeeded })
        #expect(await h.waitUntil { h.slack.calls(method: "chat.update").contains { $0.bodyText.contains("✅") } })
        let posts = h.slack.calls(method: "chat.postMessage")
        #expect(posts.count == 1)
        #expect(posts.first?.string("channel") == "C0DEPLOYS")
        let ref = try #require(try h.deploy(deploy.id)?.message)
        let final = try #require(h.slack.message(channel: ref.channel, ts: ref.ts))
        let text = String(decoding: try JSONSerialization.data(withJSONObject: final), as: UTF8.self)
        #expect(text.contains("<@U0ALICE>"))
        #expect(!text.contains("<!channel>") && !text.contains("<!here>"))
        #expect(text.contains("main-5d6e7f8"))
        let blocks = try #require(final["blocks"])
        #expect(BlockKitValidator.validate(["blocks": blocks]).isEmpty)
        #expect(h.pagerDuty.events.isEmpty)
    }

    @Test("a failed prod deploy turns red with cause and runbook, DMs on-call, pages; the rollback resolves it")
    func redMessageDMPageAndRollback() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
        try h.recordSucceeded("shop", "staging", tag: "main-bad0001")
        _ = try await h.reply("/deploy shop prod main-bad0001")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .failed })
        let failed = try #require(try h.deploy(deploy.id))
        #expect(failed.failure?.runbook == "memory-limits.md")
        #expect(await h.waitUntil { h.pagerDuty.events.contains { $0.eventAction == "trigger" } })
        let page = try #require(h.pagerDuty.events.first { $0.eventAction == "trigger" })
        #expect(page.dedupKey == deploy.id)
        #expect((page.payload?["severity"] as? String) == "error")
        #expect((page.payload?["component"] as? String) == "shop")
        #expect(await h.waitUntil { h.slack.calls(method: "conversations.open").count == 1 })
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postMessage").contains { $0.bodyText.contains("You are on call") }
            })
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.update").contains {
                    $0.bodyText.contains("memory-limits.md") && $0.bodyText.contains(ActionID.rollback)
                }
            })

        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .succeed)
        let clicked = try await h.click(actionId: ActionID.rollback, value: deploy.id, user: "U0ALICE")
        #expect(clicked.bodyText.contains("Rollback of `shop/prod`"))
        let rollback = try #require(try h.latestDeploy("shop", "prod"))
        #expect(rollback.kind == .rollback)
        #expect(rollback.targetTag == GitFixture.initialTag)
        _ = try await h.click(actionId: ActionID.approve, value: rollback.approval!.token, user: "U0ONCALL")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(rollback.id)?.state == .succeeded })
        #expect(
            await h.waitUntil {
                h.pagerDuty.events.contains { $0.eventAction == "resolve" && $0.dedupKey == deploy.id }
            })
        #expect(try h.deploy(deploy.id)?.state == .rolledBack)
        let lock = try h.app.store.read { r in try r.lock(service: "shop", environment: "prod") }
        #expect(lock?.reason.contains("fix forward or unlock") == true)
        #expect(h.pagerDuty.events.filter { $0.eventAction == "trigger" }.count == 1)
    }
}
