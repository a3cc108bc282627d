import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

/// shop/staging shipped as a Flux HelmRelease, end to end: `/deploy` edits the HelmRelease file's tag, Slipway asks
/// Flux to reconcile the Kustomization and the HelmRelease, waits for helm-controller to release the new generation,
/// then for the rollout.
@Suite("HelmRelease environments end to end", .serialized, .harnessScope)
struct HelmReleaseDeployTests {
    static let path = "clusters/staging/shop/helmrelease.yaml"

    static func file(tag: String) -> String {
        """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: shop
          namespace: shop-staging
        spec:
          interval: 10m
          chart:
            spec:
              chart: shop
              version: 1.4.2
          values:
            image:
              repository: \(GitFixture.image("shop"))
              tag: \(tag)

        """
    }

    static func harness() throws -> SlipwayHarness {
        let h = try SlipwayHarness(adjust: { json in
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                staging["kustomization"] = nil
                staging["helmRelease"] = ["file": path, "namespace": "shop-staging", "name": "shop"]
                staging["flux"] = [
                    "namespace": "flux-system", "kustomization": "shop-staging-helm", "gitRepository": "gitops",
                ]
            }
        })
        try h.git.pushFromOtherClone(
            file: path, text: file(tag: GitFixture.initialTag), message: "shop/staging as a HelmRelease")
        h.kubernetes.linkHelmRelease(
            kustomization: "shop-staging-helm", gitRepository: "gitops", gitDirectory: h.git.remote, path: path,
            namespace: "shop-staging", name: "shop", workloadNamespace: "shop-staging", deployment: "shop",
            image: GitFixture.image("shop"))
        return h
    }

    @Test("green: the tag edited in the HelmRelease, both Flux objects asked, released, rolled out, succeeded")
    func green() async throws {
        let h = try Self.harness()
        h.startServices()
        let tag = "main-4e1f00d"
        _ = try await h.reply("/deploy shop staging \(tag)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let done = try #require(try h.deploy(deploy.id))
        #expect(done.state == .succeeded, "failure: \(String(describing: done.failure))")
        #expect(try h.git.remoteFile(Self.path) == Self.file(tag: tag), "only the tag changed")

        let patches = h.kubernetes.requests().filter { $0.method == "PATCH" }.map(\.path)
        #expect(patches.contains("/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop-staging/helmreleases/shop"))
        #expect(
            patches.contains(
                "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-staging-helm"))
        let release = try #require(
            h.kubernetes.object(K8s.HelmRelease.self, "helmreleases", namespace: "shop-staging", name: "shop"))
        #expect(release.status?.history?.first?.status == "deployed")
        let deployment = try #require(
            h.kubernetes.object(K8s.Deployment.self, "deployments", namespace: "shop-staging", name: "shop"))
        #expect(deployment.spec?.template?.spec?.containers?.first?.image == "\(GitFixture.image("shop")):\(tag)")
    }

    @Test("red: a failed upgrade rolled back by Flux fails the deploy with Helm's message and the runbook")
    func failedUpgrade() async throws {
        let h = try Self.harness()
        h.kubernetes.scriptHelmRelease(
            namespace: "shop-staging", name: "shop",
            outcome: .upgradeFails("context deadline exceeded"))
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-bad0c0d")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let failed = try #require(try h.deploy(deploy.id))
        #expect(failed.state == .failed)
        let failure = try #require(failed.failure)
        #expect(failure.cause == "helm_release_failed")
        #expect(failure.title == "Helm upgrade failed")
        #expect(failure.runbook == "helm-release-failed.md")
        #expect(failure.summary.contains("UpgradeFailed: Helm upgrade failed for release shop-staging/shop"))
        #expect(failure.summary.contains("context deadline exceeded"))
        #expect(failure.summary.contains("Flux rolled the release back to the previous version"))
        #expect(
            await h.waitUntil(timeout: 15) {
                let text = ClusterWatchTests.messageText(h, deploy.id)
                return text.contains("❌") && text.contains("\(ClusterWatchTests.runbooks)/helm-release-failed.md")
            }, "message: \(ClusterWatchTests.messageText(h, deploy.id))")
    }
}
