import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// An environment that ships as a Flux HelmRelease: Slipway asks Flux to reconcile the Kustomization that applies the
/// HelmRelease file and the HelmRelease, and watches helm-controller release the new generation before the rollout.
@Suite("HelmRelease environments: reconcile, release, then rollout; a failed upgrade is the cause", .serialized)
struct HelmReleaseWatchTests {
    static let image = GitFixture.image("shop")
    static let path = "clusters/staging/shop-helm/helmrelease.yaml"
    static let release = ObjectRef(namespace: "shop-helm", name: "shop")

    static func file(tag: String) -> String {
        """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: shop
          namespace: shop-helm
        spec:
          interval: 10m
          chart:
            spec:
              chart: shop
              version: 1.4.2
          values:
            image:
              repository: \(image)
              tag: \(tag)  # {"$imagepolicy": "flux-system:shop:tag"}

        """
    }

    /// A bare repository with the HelmRelease file, and a fake cluster whose helm-controller applies it.
    final class World: Sendable {
        let git: GitFixture
        let fake: FakeKubernetes
        let client: KubernetesClient

        init() throws {
            git = try GitFixture()
            try git.pushFromOtherClone(
                file: HelmReleaseWatchTests.path, text: HelmReleaseWatchTests.file(tag: GitFixture.initialTag),
                message: "shop as a HelmRelease")
            fake = try FakeKubernetes(rolloutSteps: 2)
            fake.addDeployment(
                namespace: "shop-helm", name: "shop", image: "\(image):\(GitFixture.initialTag)", replicas: 2)
            fake.linkHelmRelease(
                kustomization: "shop-helm", gitRepository: "gitops", gitDirectory: git.remote,
                path: HelmReleaseWatchTests.path, namespace: "shop-helm", name: "shop", workloadNamespace: "shop-helm",
                deployment: "shop", image: image)
            client = KubernetesClient(
                configuration: KubernetesConfiguration(baseURL: fake.baseURL, token: .fixed(fake.token)))
        }

        deinit {
            fake.stop()
            git.remove()
        }

        /// Pushes the new tag into the HelmRelease file; returns the commit.
        func push(tag: String) throws -> String {
            try git.pushFromOtherClone(
                file: HelmReleaseWatchTests.path, text: HelmReleaseWatchTests.file(tag: tag), message: "deploy \(tag)")
        }

        func target(commit: String, tag: String, startedAt: Date) -> WatchTarget {
            WatchTarget(
                deploy: WatchedDeploy(
                    deployId: "d-helm", commit: commit, branch: "main", expectedImage: "\(image):\(tag)",
                    startedAt: startedAt),
                flux: .init(namespace: "flux-system", kustomization: "shop-helm", gitRepository: "gitops"),
                workload: .init(namespace: "shop-helm", deployment: "shop"),
                policy: RolloutPolicy(stabilityWindowSeconds: 0, rolloutTimeoutSeconds: 900),
                helmRelease: HelmReleaseWatchTests.release)
        }

        /// Asks Flux to reconcile as the rollout monitor does, then polls until stable or failed.
        func deploy(tag: String) async throws -> [RolloutObservation] {
            let commit = try push(tag: tag)
            let start = Date()
            let reconciler = FluxReconciler(client: client)
            try await reconciler.requestReconcile(
                gitRepository: "gitops", kustomization: "shop-helm", namespace: "flux-system", at: start)
            try await reconciler.requestReconcile(helmRelease: HelmReleaseWatchTests.release, at: start)
            let observer = ClusterObserver(client: client)
            var seen: [RolloutObservation] = []
            var now = start
            for _ in 0..<12 {
                now += 5
                guard
                    let observation = await observer.observe(
                        [target(commit: commit, tag: tag, startedAt: start)], now: now)[
                            "d-helm"]
                else { continue }
                seen.append(observation)
                if case .stable = observation { break }
                if case .failed = observation { break }
            }
            return seen
        }
    }

    @Test("green: the HelmRelease is annotated, releases the new generation, then the Deployment rolls out")
    func green() async throws {
        let world = try World()
        let seen = try await world.deploy(tag: "main-4e1f00d")
        #expect(seen.last == .stable, "observations: \(seen)")
        // Not before helm-controller released it: the first poll sees the release pending, not a rollout.
        #expect(seen.first == .waitingForFlux, "observations: \(seen)")

        let patches = world.fake.requests().filter { $0.method == "PATCH" }.map(\.path)
        #expect(patches.contains("/apis/helm.toolkit.fluxcd.io/v2/namespaces/shop-helm/helmreleases/shop"))
        #expect(
            patches.contains("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-helm"))
        let release = try #require(
            world.fake.object(K8s.HelmRelease.self, "helmreleases", namespace: "shop-helm", name: "shop"))
        #expect(release.status?.lastHandledReconcileAt != nil)
        #expect(release.status?.history?.first?.status == "deployed")
        #expect(HelmReleaseAssessment.assess(release) == .ready)
        let deployment = try #require(
            world.fake.object(K8s.Deployment.self, "deployments", namespace: "shop-helm", name: "shop"))
        #expect(deployment.spec?.template?.spec?.containers?.first?.image == "\(Self.image):main-4e1f00d")
    }

    @Test("red: a failed upgrade that Flux rolled back is the cause, with Helm's message and the runbook")
    func failedUpgrade() async throws {
        let world = try World()
        world.fake.scriptHelmRelease(
            namespace: "shop-helm", name: "shop",
            outcome: .upgradeFails("execution error at (shop/templates/deployment.yaml:12:3): image.tag is required"))
        let seen = try await world.deploy(tag: "main-bad0c0d")
        guard case .failed(let cause)? = seen.last else {
            Issue.record("not failed: \(seen)")
            return
        }
        guard case .helmRelease(let failure) = cause else {
            Issue.record("another cause: \(cause)")
            return
        }
        #expect(failure.reason == "UpgradeFailed")
        #expect(failure.remediation == "RollbackSucceeded")
        #expect(cause.code == "helm_release_failed")
        #expect(cause.title == "Helm upgrade failed")
        #expect(cause.runbook == "helm-release-failed.md")
        #expect(cause.summary.contains("HelmRelease shop-helm/shop (chart 1.4.2): UpgradeFailed: Helm upgrade failed"))
        #expect(cause.summary.contains("image.tag is required"))
        #expect(cause.summary.contains("Flux rolled the release back to the previous version"))
        #expect(cause.summary.contains("Helm rollback to previous release shop-helm/shop.v1"))
        // The old version keeps running.
        let deployment = try #require(
            world.fake.object(K8s.Deployment.self, "deployments", namespace: "shop-helm", name: "shop"))
        #expect(deployment.spec?.template?.spec?.containers?.first?.image == "\(Self.image):\(GitFixture.initialTag)")
        #expect(FileManager.default.fileExists(atPath: Self.runbooksPath + "/helm-release-failed.md"))
    }

    static let runbooksPath =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/runbooks"
}
