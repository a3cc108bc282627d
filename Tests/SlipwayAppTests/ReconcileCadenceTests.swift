import DeployCore
import Foundation
import SlipwayApp
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// While a deploy waits for Flux to apply its commit, the watch polls as often as during a rollout (every second),
/// not at `policy.pollIntervalSeconds`: a reconcile that finishes is picked up at the next fast poll.
@Suite("Watch cadence while reconciling", .serialized, .harnessScope)
struct ReconcileCadenceTests {
    @Test("a deploy waiting for Flux is polled every second; Flux applying it is taken up without a Flux event")
    func reconcilingIsPolledLikeARollout() async throws {
        // Polls 60 s apart and no Flux event: only the fast cadence can notice Flux applying within the test.
        let h = try SlipwayHarness(adjust: { json in
            json["policy"] = [
                "stabilityWindowSeconds": 0, "approvalTimeoutSeconds": 1800, "pollIntervalSeconds": 60,
                "rolloutTimeoutSeconds": 600,
            ]
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                // A Kustomization this fake's Flux does not act on by itself: the test applies the commit.
                staging["flux"] = [
                    "namespace": "flux-system", "kustomization": "shop-staging-manual", "gitRepository": "gitops",
                ]
            }
        })
        let path = GitFixture.kustomization("shop", "staging")
        h.kubernetes.applied(
            kustomization: "shop-staging-manual", gitRepository: "gitops", path: path, revision: try h.git.remoteHead())
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-c0ffee1")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 10) { try h.deploy(deploy.id)?.gitCommit != nil })
        let object = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-staging-manual"
        func reads() -> Int { h.kubernetes.requests().filter { $0.method == "GET" && $0.path == object }.count }

        // Flux has not applied: the watch keeps reading the Kustomization, several times where 60 s allow one.
        #expect(await h.waitUntil(timeout: 10) { reads() >= 4 }, "reads while reconciling: \(reads())")
        #expect(try h.deploy(deploy.id)?.state == .reconciling)

        // Flux applies the commit and rolls the Deployment out; the next fast poll takes the deploy on to green.
        let commit = try #require(try h.deploy(deploy.id)?.gitCommit)
        let readsBeforeApply = reads()
        h.kubernetes.applied(
            kustomization: "shop-staging-manual", gitRepository: "gitops", path: path, revision: commit)
        h.kubernetes.rollOut(
            namespace: "shop-staging", deployment: "shop", image: "\(GitFixture.image("shop")):main-c0ffee1")
        #expect(await h.waitUntil(timeout: 10) { try h.deploy(deploy.id)?.state.isTerminal == true })
        #expect(try h.deploy(deploy.id)?.state == .succeeded)
        // Picked up by polling (no Flux event was sent): the reads went on after the apply.
        #expect(reads() > readsBeforeApply)
    }
}
