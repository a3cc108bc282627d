import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

@Suite("CI image-built webhook", .harnessScope)
struct ImageBuiltWebhookTests {
    let body: [String: Any] = [
        "repo": "nortinia-ltd/shop", "sha": "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e", "tag": "main-5d6e7f8",
        "env": "staging", "author": ["name": "Alice", "email": "alice@nortinia.example"], "message": "Fix checkout",
    ]

    @Test("signature, JSON and names are checked with clear errors")
    func rejections() async throws {
        let h = try SlipwayHarness()
        #expect(try await h.imageBuilt(body, secret: "wrong").status == 401)
        let unsigned = try await h.send(.post, "/api/v1/deploy/image-built", body: Array("{}".utf8))
        #expect(unsigned.status == 401)
        let notJSON = try await h.imageBuilt(raw: Array("nope".utf8))
        #expect(notJSON.status == 400)
        var missing = body
        missing["tag"] = nil
        let noTag = try await h.imageBuilt(missing)
        #expect(noTag.status == 400)
        #expect(noTag.bodyText.contains(#""field":"tag""#))
        var badSha = body
        badSha["sha"] = "not-a-sha"
        #expect(try await h.imageBuilt(badSha).bodyText.contains(#""field":"sha""#))
        var unknownRepo = body
        unknownRepo["repo"] = "nortinia-ltd/nope"
        let repo = try await h.imageBuilt(unknownRepo)
        #expect(repo.status == 404)
        #expect(repo.bodyText.contains("unknown repo"))
        var unknownEnv = body
        unknownEnv["env"] = "stagin"
        let env = try await h.imageBuilt(unknownEnv)
        #expect(env.status == 404)
        #expect(env.bodyText.contains("did you mean"))
    }

    @Test("autoDeploy environments deploy at once; 1,000 concurrent repeats get the same id and one commit")
    func dedupUnderConcurrency() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let first = try await h.imageBuilt(body)
        #expect(first.status == 202)
        let id = try #require(Self.deployId(first))
        let raw = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let ids = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<1000 {
                group.addTask {
                    guard let response = try? await h.imageBuilt(raw: raw) else { return nil }
                    return response.status == 200 ? Self.deployId(response) : "status \(response.status)"
                }
            }
            var all: [String?] = []
            for await id in group { all.append(id) }
            return all
        }
        #expect(ids.count == 1000)
        #expect(ids.allSatisfy { $0 == id })
        #expect(await h.waitUntil { try h.deploy(id)?.gitCommit != nil })
        try await Task.sleep(nanoseconds: 300_000_000)
        let deploys = try h.app.store.read { r in
            try r.recentDeploys(service: "shop", environment: "staging", limit: 10)
        }
        #expect(deploys.count == 1)
        let commits = try h.git.remoteLog().filter { $0.contains("deploy(shop/staging)") }
        #expect(commits.count == 1)
        let stored = try #require(try h.deploy(id))
        #expect(stored.author?.email == "alice@nortinia.example")
        #expect(stored.commitMessage == "Fix checkout")
        #expect(stored.source == .ci)
    }

    @Test("other environments record the image; /deploy resolves a sha to its tag")
    func recordsDeployable() async throws {
        let h = try SlipwayHarness()
        var prod = body
        prod["env"] = "prod"
        let recorded = try await h.imageBuilt(prod)
        #expect(recorded.status == 200)
        #expect(recorded.bodyText.contains("recorded"))
        #expect(try h.latestDeploy("shop", "prod") == nil)
        try h.recordSucceeded("shop", "staging", tag: "main-5d6e7f8")
        _ = try await h.reply("/deploy shop prod 5d6e7f8a9b")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.targetTag == "main-5d6e7f8")
        #expect(deploy.sourceCommit == "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e")
        let unknown = try await h.reply("/deploy shop prod abcdef1234")
        #expect(unknown.text.contains("No image built from commit"))
    }

    static func deployId(_ response: HTTPResponse) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["deployId"] as? String
    }
}
