import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite("Deploy form: /deploy without arguments opens a modal that deploys like the typed command", .harnessScope)
struct DeployModalTests {
    static func errors(_ response: HTTPResponse) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard object?["response_action"] as? String == "errors" else { return [:] }
        return object?["errors"] as? [String: String] ?? [:]
    }

    @Test("the form offers CI's tags, promotable first; bad choices come back in it; a good one deploys")
    func modalDeploys() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "5d6e7f8a9b0c", "tag": "main-5d6e7f8", "env": "staging",
        ])
        let staging = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(staging.id)?.state == .succeeded })
        _ = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "9e9e9e9e9e9e", "tag": "main-9e9e9e9", "env": "prod",
        ])

        let opened = try await h.command("/deploy")
        #expect(opened.status == 200)
        #expect(opened.body.isEmpty)
        #expect(await h.waitUntil { h.slack.views.openedViews.count == 1 })
        let open = try #require(h.slack.calls(method: "views.open").first)
        #expect(open.string("trigger_id") == "1.2.3")
        #expect(open.succeeded)
        let view = try #require(h.slack.views.openedViews.first)
        #expect(view["callback_id"] as? String == DeployModal.callbackId)
        let tagBlock = try #require((view["blocks"] as? [[String: Any]])?.first { $0["block_id"] as? String == "tag" })
        let groups = try #require((tagBlock["element"] as? [String: Any])?["option_groups"] as? [[String: Any]])
        let shop = try #require(groups.first { ($0["label"] as? [String: Any])?["text"] as? String == "shop" })
        let options = try #require(shop["options"] as? [[String: Any]])
        #expect(options.first?["value"] as? String == "shop main-5d6e7f8")
        #expect(
            ((options.first?["text"] as? [String: Any])?["text"] as? String)?.contains(
                "promotable from staging to prod") == true)
        #expect(options.contains { $0["value"] as? String == "shop main-9e9e9e9" })

        // A tag of another service, an environment the service lacks, someone not allowed: errors in the form.
        var response = try await h.submit(
            view: view, user: "U0ALICE", values: ["service": "shop", "environment": "prod", "tag": "api main-1"])
        #expect(Self.errors(response)["tag"]?.contains("built for api") == true)
        response = try await h.submit(view: view, user: "U0ALICE", values: ["service": "shop", "environment": "qa"])
        #expect(Self.errors(response)["environment"]?.contains("qa") == true)
        response = try await h.submit(
            view: view, user: "U0EVE", values: ["service": "shop", "environment": "prod", "tag": "shop main-5d6e7f8"])
        #expect(Self.errors(response)["environment"]?.contains("not allowed to deploy") == true)
        response = try await h.submit(
            view: view, user: "U0ALICE",
            values: ["service": "shop", "environment": "staging", "tag": "shop main-5d6e7f8"])
        #expect(Self.errors(response)["tag"]?.contains("already the current tag") == true)
        #expect(try h.latestDeploy("shop", "prod") == nil)

        // A good choice: the deploy the typed `/deploy shop prod main-5d6e7f8` makes, with the reason audited.
        response = try await h.submit(
            view: view, user: "U0ALICE",
            values: [
                "service": "shop", "environment": "prod", "tag": "shop main-5d6e7f8", "reason": "release <!here> 12",
            ])
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.targetTag == "main-5d6e7f8")
        #expect(deploy.requestedBy == "U0ALICE")
        #expect(deploy.state == .awaitingApproval)
        #expect(deploy.sourceCommit == "5d6e7f8a9b0c")
        let audit = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }
        #expect(audit.contains { $0.action == "reason" && $0.detail == "release <!here> 12" })
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postEphemeral").contains {
                    $0.bodyText.contains(deploy.id) && $0.bodyText.contains("release &lt;!here&gt; 12")
                }
            })
        // The approval request goes to the deploy channel (a form has no response_url), and works as usual.
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postMessage").contains { $0.bodyText.contains(ActionID.approve) }
            })
    }

    @Test("the first tag offered is what the promotion gates allow, not a newer one that failed in staging")
    func promotableFirst() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "a1a1a1a1a1a1", "tag": "main-a1a1a1a", "env": "staging",
        ])
        let good = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(good.id)?.state == .succeeded })
        h.kubernetes.script(
            namespace: SlipwayHarness.workloadNamespace("shop", "staging"), deployment: "shop",
            outcome: .fail(.oomKilled))
        _ = try await h.imageBuilt([
            "repo": "nortinia-ltd/shop", "sha": "b2b2b2b2b2b2", "tag": "main-b2b2b2b", "env": "staging",
        ])
        let bad = try #require(try h.latestDeploy("shop", "staging"))
        #expect(bad.id != good.id)
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(bad.id)?.state == .failed })

        _ = try await h.command("/deploy")
        #expect(await h.waitUntil { h.slack.views.openedViews.count == 1 })
        let view = try #require(h.slack.views.openedViews.first)
        let tagBlock = try #require((view["blocks"] as? [[String: Any]])?.first { $0["block_id"] as? String == "tag" })
        let groups = try #require((tagBlock["element"] as? [String: Any])?["option_groups"] as? [[String: Any]])
        let shop = try #require(groups.first { ($0["label"] as? [String: Any])?["text"] as? String == "shop" })
        let options = try #require(shop["options"] as? [[String: Any]])
        let texts = options.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        #expect(options.first?["value"] as? String == "shop main-a1a1a1a", "\(texts)")
        #expect(texts.first?.contains("promotable from staging to prod") == true, "\(texts)")
        #expect(!texts.contains { $0.contains("main-b2b2b2b") && $0.contains("promotable") }, "\(texts)")
    }

    @Test("an expired trigger tells the user what to type instead")
    func expiredTrigger() async throws {
        let h = try SlipwayHarness()
        h.slack.views.expireTrigger("1.2.3")
        let opened = try await h.command("/deploy")
        #expect(opened.status == 200)
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "response_url").contains {
                    $0.bodyText.contains("could not open the deploy form")
                        && $0.bodyText.contains("/deploy &lt;service&gt;")
                        || $0.bodyText.contains("/deploy <service>")
                }
            })
        #expect(h.slack.views.openedViews.isEmpty)
    }
}
