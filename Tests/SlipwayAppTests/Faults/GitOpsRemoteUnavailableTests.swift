import Foundation
import SlipwayTesting
import Testing

extension Faults {
    /// The GitOps remote cannot be reached: a short outage is ridden out by retrying the commit; a long one fails
    /// the deploy with a message that says so, and deploys work again once the remote is back.
    @Suite("Faults: the GitOps remote is unavailable", .serialized, .harnessScope, .tags(.faults))
    struct GitOpsRemoteUnavailable {
        /// Commits on the remote's branch carrying the deploy's `Slipway-Deploy-Id:` trailer.
        static func commits(carrying id: String, in git: GitFixture) throws -> Int {
            try git.remoteGit(["log", "--format=%(trailers:key=Slipway-Deploy-Id,valueonly)", "main"])
                .split(whereSeparator: \.isNewline).filter { $0.trimmingCharacters(in: .whitespaces) == id }.count
        }

        /// Takes the remote away (as an unreachable host looks to `git`) until `bringBack()`.
        struct Outage {
            let remote: String
            var away: String { remote + ".unreachable" }
            func begin() throws { try FileManager.default.moveItem(atPath: remote, toPath: away) }
            func bringBack() throws { try FileManager.default.moveItem(atPath: away, toPath: remote) }
        }

        @Test("a short outage: the commit is retried and lands once when the remote is back")
        func shortOutage() async throws {
            let h = try SlipwayHarness()
            let outage = Outage(remote: h.git.remote)
            h.startServices()
            try outage.begin()
            let reply = try await h.reply("/deploy shop staging main-0ff0ff0")
            #expect(reply.text.contains("main-0ff0ff0"), "\(reply.text)")
            let deploy = try #require(try h.latestDeploy("shop", "staging"))
            // Some commit attempts fail meanwhile; the deploy waits rather than failing.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            #expect(try h.deploy(deploy.id)?.state == .committing)
            try outage.bringBack()

            #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded })
            #expect(try Self.commits(carrying: deploy.id, in: h.git) == 1)
            #expect(try h.remoteTag("shop", "staging") == "main-0ff0ff0")
        }

        @Test("a long outage: the deploy fails saying it could not commit; after recovery the next deploy succeeds")
        func longOutage() async throws {
            let h = try SlipwayHarness()
            let outage = Outage(remote: h.git.remote)
            h.startServices()
            try outage.begin()
            _ = try await h.reply("/deploy shop staging main-dead0ff")
            let failed = try #require(try h.latestDeploy("shop", "staging"))
            #expect(await h.waitUntil(timeout: 45) { try h.deploy(failed.id)?.state == .failed })
            let stored = try #require(try h.deploy(failed.id))
            #expect(stored.gitCommit == nil)
            // The channel tells people what went wrong.
            let told = await h.waitUntil(timeout: 20) {
                h.slack.postedMessages(channel: "C0DEPLOYS").contains { posted in
                    let text = String(describing: posted.message)
                    return text.contains(failed.id) && text.contains("Could not commit to the GitOps repository")
                }
            }
            #expect(told, "the deploy message names the GitOps commit as the failure")

            try outage.bringBack()
            let reply = try await h.reply("/deploy shop staging main-bac0bac")
            #expect(reply.text.contains("main-bac0bac"), "\(reply.text)")
            let next = try #require(try h.latestDeploy("shop", "staging"))
            #expect(next.id != failed.id)
            #expect(await h.waitUntil(timeout: 30) { try h.deploy(next.id)?.state == .succeeded })
            #expect(try Self.commits(carrying: next.id, in: h.git) == 1)
            #expect(try Self.commits(carrying: failed.id, in: h.git) == 0)
            #expect(try h.remoteTag("shop", "staging") == "main-bac0bac")
        }
    }
}
