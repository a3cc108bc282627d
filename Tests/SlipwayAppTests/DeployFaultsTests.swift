import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// Bad days for a deploy: the cluster changes under the stability window, the GitOps remote goes away, CI sends a
/// burst of webhooks.
@Suite("Deploy faults end to end", .harnessScope)
struct DeployFaultsTests {
    static let sha = "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e"

    static func body(sha: String = sha, tag: String = "main-5d6e7f8") -> [String: Any] {
        ["repo": "nortinia-ltd/shop", "sha": sha, "tag": tag, "env": "staging"]
    }

    static func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:]
    }

    /// A harness whose stability window is long enough to change the cluster inside it.
    static func harness(window: Double = 3) throws -> SlipwayHarness {
        try SlipwayHarness(adjust: { json in
            var policy = json["policy"] as? [String: Any] ?? [:]
            policy["stabilityWindowSeconds"] = window
            json["policy"] = policy
        })
    }

    // MARK: - Stability window (issue 14, item 5)

    @Test("an HPA scale-up in the stability window is not a failure: the deploy succeeds once the pods are ready")
    func scaleUpDuringTheWindow() async throws {
        let h = try Self.harness()
        h.startServices()
        let id = try #require(Self.json(try await h.imageBuilt(Self.body()))["deployId"] as? String)
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(id)?.state == .verifying })
        // The HPA adds two replicas; their pods are still starting when the window ends.
        h.kubernetes.scale(namespace: "shop-staging", deployment: "shop", replicas: 4)
        let rolledOutAt = try #require(try h.deploy(id)?.rolledOutAt)
        let pastWindow = rolledOutAt.addingTimeInterval(3 + 1.5).timeIntervalSinceNow
        if pastWindow > 0 { try await Task.sleep(nanoseconds: UInt64(pastWindow * 1e9)) }
        let during = try #require(try h.deploy(id))
        #expect(during.state == .verifying, "\(during.state): \(during.failure?.summary ?? "")")
        h.kubernetes.readyPods(namespace: "shop-staging", deployment: "shop")
        #expect(await h.waitUntil(timeout: 10) { try h.deploy(id)?.state == .succeeded })
        #expect(try h.deploy(id)?.failure == nil)
        #expect(h.pagerDuty.events.isEmpty)
    }

    @Test("a rollout someone else starts in the stability window supersedes the deploy, naming it; nobody is paged")
    func foreignRolloutDuringTheWindow() async throws {
        let h = try Self.harness()
        h.startServices()
        let id = try #require(Self.json(try await h.imageBuilt(Self.body()))["deployId"] as? String)
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(id)?.state == .verifying })
        h.kubernetes.rollOut(
            namespace: "shop-staging", deployment: "shop", image: "ghcr.io/nortinia-ltd/shop:hotfix-1")
        #expect(await h.waitUntil(timeout: 10) { try h.deploy(id)?.state == .superseded })
        let stored = try #require(try h.deploy(id))
        #expect(stored.state == .superseded, "\(stored.state): \(stored.failure?.summary ?? "")")
        #expect(stored.note?.contains("another rollout") == true, "\(stored.note ?? "")")
        #expect(stored.note?.contains("hotfix-1") == true, "\(stored.note ?? "")")
        #expect(stored.failure == nil)
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(h.pagerDuty.events.isEmpty)
        let audit = try h.app.store.read { r in try r.auditEvents(deployId: id) }
        #expect(audit.contains { $0.detail.contains("another rollout") })
    }

    // MARK: - CI retries (issue 14, item 6)

    @Test(
        "a CI repeat of a deploy that failed before its commit starts a new attempt; after a commit it is a duplicate")
    func ciRetryAfterAGitOpsOutage() async throws {
        let h = try SlipwayHarness()
        let away = h.git.root + "/remote-away.git"
        try FileManager.default.moveItem(atPath: h.git.remote, toPath: away)
        h.startServices()
        let first = try await h.imageBuilt(Self.body())
        #expect(first.status == 202)
        let failedId = try #require(Self.json(first)["deployId"] as? String)
        // A repeat while the first attempt is still in flight is a duplicate.
        let inFlight = try await h.imageBuilt(Self.body())
        #expect(inFlight.status == 200)
        #expect(Self.json(inFlight)["deployId"] as? String == failedId)
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(failedId)?.state == .failed })
        #expect(try h.deploy(failedId)?.gitCommit == nil)

        // The remote is back; CI retries the same webhook.
        try FileManager.default.moveItem(atPath: away, toPath: h.git.remote)
        let retry = try await h.imageBuilt(Self.body())
        #expect(retry.status == 202, "\(retry.bodyText)")
        let retryId = try #require(Self.json(retry)["deployId"] as? String)
        #expect(retryId != failedId)
        #expect(Self.json(retry)["duplicate"] as? Bool == false)
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(retryId)?.gitCommit != nil })
        #expect(try h.remoteTag("shop", "staging") == "main-5d6e7f8")

        // Committed: a further repeat is a duplicate of the new attempt.
        let again = try await h.imageBuilt(Self.body())
        #expect(again.status == 200)
        #expect(Self.json(again)["deployId"] as? String == retryId)
        #expect(Self.json(again)["duplicate"] as? Bool == true)
        #expect(try h.deploy(failedId)?.state == .failed)
        let commits = try h.git.remoteLog().filter { $0.contains("deploy(shop/staging)") }
        #expect(commits.count == 1)
    }

    // MARK: - Bursts (issue 14, item 11)

    @Test("20 concurrent CI webhooks for one environment make at most 2 commits; the newest tag goes live")
    func burstCoalesces() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let bodies = try (1...20).map { n in
            let body = Self.body(sha: String(repeating: "0", count: 38) + String(format: "%02d", n), tag: "burst-\(n)")
            return Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        }
        let responses = await withTaskGroup(of: (Int, String?).self) { group in
            for body in bodies {
                group.addTask {
                    guard let response = try? await h.imageBuilt(raw: body) else { return (0, nil) }
                    return (response.status, Self.json(response)["deployId"] as? String)
                }
            }
            var all: [(Int, String?)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(responses.allSatisfy { $0.0 == 202 }, "\(responses.map(\.0))")
        let ids = Set(responses.compactMap(\.1))
        #expect(ids.count == 20)
        #expect(
            await h.waitUntil(timeout: 40) {
                try ids.allSatisfy { try h.deploy($0)?.state.isTerminal == true }
            })
        let deploys = try ids.compactMap { try h.deploy($0) }
        let commits = try h.git.remoteLog().filter { $0.contains("deploy(shop/staging)") }
        #expect(commits.count <= 2, "\(commits.count) commits")

        let succeeded = deploys.filter { $0.state == .succeeded }
        #expect(succeeded.count == 1, "\(deploys.map(\.state))")
        let winner = try #require(succeeded.first)
        let newest = try #require(deploys.map(\.createdAt).max())
        #expect(winner.createdAt == newest)
        let environment = try h.app.store.read { r in try r.environment(service: "shop", environment: "staging") }
        #expect(environment?.liveTag == winner.targetTag)
        #expect(try h.remoteTag("shop", "staging") == winner.targetTag)

        for deploy in deploys where deploy.id != winner.id {
            #expect(deploy.state == .superseded, "\(deploy.id): \(deploy.state)")
            let replacedBy = deploy.note.flatMap { note in
                note.hasPrefix("superseded by ") ? String(note.dropFirst("superseded by ".count)) : nil
            }
            #expect(replacedBy.map(ids.contains) == true, "\(deploy.note ?? "")")
            #expect(replacedBy != deploy.id)
            let audit = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }
            #expect(audit.contains { $0.detail.contains("superseded by \(replacedBy ?? "?")") })
        }
    }

    @Test("CI images that arrive in one millisecond: the one that came last is deployed, the others name it")
    func sameInstantBurst() async throws {
        // The clock stands still, as for webhooks in one millisecond; deploy ids are random, so only the order of
        // arrival can tell which is newest (picking by id chose the last one in 1 of 8 runs).
        let clock = TestClock(now: Date())
        let h = try SlipwayHarness(clock: { clock.now })
        var ids: [String] = []
        for n in 1...8 {
            let sha = String(repeating: "a", count: 38) + String(format: "%02d", n)
            let response = try await h.imageBuilt(Self.body(sha: sha, tag: "instant-\(n)"))
            ids.append(try #require(Self.json(response)["deployId"] as? String, "\(response.bodyText)"))
        }
        h.startServices()
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "instant-8" })
        // (The winner's stability window never ends on a clock that stands still; the others end before it.)
        #expect(
            await h.waitUntil(timeout: 20) {
                try ids.dropLast().allSatisfy { try h.deploy($0)?.state.isTerminal == true }
            }
        )
        for id in ids.dropLast() {
            let deploy = try #require(try h.deploy(id))
            #expect(deploy.state == .superseded, "\(deploy.targetTag): \(deploy.state)")
            #expect(deploy.note == "superseded by \(ids[7])", "\(deploy.targetTag): \(deploy.note ?? "")")
        }
        let commits = try h.git.remoteLog().filter { $0.contains("deploy(shop/staging)") }
        #expect(commits.count == 1, "\(commits)")
    }
}
