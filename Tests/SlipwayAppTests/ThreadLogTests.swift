import DeployCore
import Foundation
import SlipwayApp
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite("Thread log: each deploy message has a thread with its steps", .harnessScope)
struct ThreadLogTests {
    static func withThreads(_ json: inout [String: Any]) {
        var slack = json["slack"] as! [String: Any]
        slack["threadLog"] = true
        json["slack"] = slack
    }

    /// Where each of `needles` first appears in `texts`; -1 when it does not.
    static func positions(_ needles: [String], in texts: [String]) -> [Int] {
        needles.map { needle in texts.firstIndex { $0.contains(needle) } ?? -1 }
    }

    @Test("a green deploy's thread holds commit, reconcile, rollout, verification and the result, in order")
    func greenThread() async throws {
        let h = try SlipwayHarness(adjust: Self.withThreads)
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-5d6e7f8")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state == .succeeded })
        let ref = try #require(try h.deploy(deploy.id)?.message)
        #expect(
            await h.waitUntil {
                h.slack.threadTexts(channel: ref.channel, ts: ref.ts).contains { $0.contains("✅ Live") }
            })
        let texts = h.slack.threadTexts(channel: ref.channel, ts: ref.ts)
        let commit = try #require(try h.deploy(deploy.id)?.gitCommit)
        let order = Self.positions(
            ["Committed", "Reconcile requested", "Rollout: ", "stability window", "✅ Live"], in: texts)
        #expect(!order.contains(-1), "thread: \(texts)")
        #expect(order == order.sorted())
        #expect(texts[order[0]].contains(String(commit.prefix(12))))
        #expect(texts[order[1]].contains("flux-system/shop-staging"))
        #expect(texts.contains { $0.contains("Rollout: ") && $0.contains("/2") }, "thread: \(texts)")
        // Every step is a reply in the thread, valid Block Kit; the channel keeps its one message.
        for reply in h.slack.threadReplies(channel: ref.channel, ts: ref.ts) {
            #expect(reply["thread_ts"] as? String == ref.ts)
            #expect(BlockKitValidator.validate(reply).isEmpty)
        }
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 1)
    }

    @Test("a failed prod deploy's thread holds the approval and the whole diagnosis, escaped")
    func redThread() async throws {
        let h = try SlipwayHarness(adjust: Self.withThreads)
        h.startServices()
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
        try h.recordSucceeded("shop", "staging", tag: "main-bad0001")  // promotable: it succeeded in staging
        _ = try await h.reply("/deploy shop prod main-bad0001")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .failed })
        let failed = try #require(try h.deploy(deploy.id))
        let ref = try #require(failed.message)
        #expect(
            await h.waitUntil { h.slack.threadTexts(channel: ref.channel, ts: ref.ts).contains { $0.contains("❌") } })
        let texts = h.slack.threadTexts(channel: ref.channel, ts: ref.ts)
        let order = Self.positions(["Approved by <@U0DANA>", "Committed", "Reconcile requested", "❌"], in: texts)
        #expect(!order.contains(-1), "thread: \(texts)")
        #expect(order == order.sorted())
        let failure = try #require(texts.last { $0.contains("❌") })
        #expect(failure.contains("memory-limits.md"))
        // The whole diagnosis: the pods of the new version, each container's state and exit.
        #expect(failure.contains("Diagnosis"), "thread: \(texts)")
        #expect(failure.contains("OOMKilled") && failure.contains("exit 137") && failure.contains("restarts"))
        #expect(failure.contains(JSONWriter.quoted(SlackText.escape(failed.failure!.summary)).dropFirst().dropLast()))
    }

    @Test("slack.threadLog false posts no thread")
    func off() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-5d6e7f8")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state == .succeeded })
        #expect(await h.waitUntil { h.slack.calls(method: "chat.update").contains { $0.bodyText.contains("✅") } })
        let ref = try #require(try h.deploy(deploy.id)?.message)
        #expect(h.slack.threadReplies(channel: ref.channel, ts: ref.ts).isEmpty)
        #expect(!h.slack.calls(method: "chat.postMessage").contains { $0.string("thread_ts") != nil })
    }

    @Test(
        "commit links for GitHub and GitLab remotes, without credentials; none for other hosts",
        arguments: [
            ("https://x-token:secret@github.com/nortinia/gitops.git", "https://github.com/nortinia/gitops/commit/abc"),
            ("git@github.com:nortinia/gitops.git", "https://github.com/nortinia/gitops/commit/abc"),
            ("ssh://git@gitlab.com/group/sub/gitops.git", "https://gitlab.com/group/sub/gitops/-/commit/abc"),
            ("https://git.internal.example/gitops.git", ""),
            ("/srv/git/gitops.git", ""),
        ])
    func commitLinks(remote: String, expected: String) {
        #expect(ThreadLog.CommitURL(remote: remote)?.url(sha: "abc") ?? "" == expected)
    }
}
