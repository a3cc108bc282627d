import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayTesting

/// A real bare GitOps repository, FakeKubernetes playing Flux for `shop` in `prod`, and a client for it.
final class FluxScenario: Sendable {
    static let image = GitFixture.image("shop")
    static let path = GitFixture.kustomization("shop", "prod")

    let git: GitFixture
    let fake: FakeKubernetes
    let client: KubernetesClient

    init(rolloutSteps: Int = 3) throws {
        git = try GitFixture()
        fake = try FakeKubernetes(rolloutSteps: rolloutSteps)
        fake.addDeployment(
            namespace: "shop", name: "shop", image: "\(Self.image):\(GitFixture.initialTag)", replicas: 3,
            memoryLimit: "512Mi")
        fake.linkFlux(
            namespace: "flux-system", kustomization: "shop-prod", gitRepository: "gitops", gitDirectory: git.remote,
            path: Self.path, workloadNamespace: "shop", deployment: "shop", image: Self.image)
        client = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: fake.baseURL, token: .fixed(fake.token)))
    }

    deinit { git.remove() }

    /// Pushes a commit that sets the prod shop tag, as Slipway's GitOps step would.
    /// - Returns: The pushed commit's sha.
    func push(tag: String) throws -> String {
        let current = try git.remoteFile(Self.path)
        let updated = current.replacingOccurrences(
            of: #"newTag: "\#(GitFixture.initialTag)""#, with: #"newTag: "\#(tag)""#)
        return try git.pushFromOtherClone(file: Self.path, text: updated, message: "deploy shop prod \(tag)")
    }

    func target(
        deployId: String = "d-1", commit: String, tag: String, startedAt: Date, rolledOutAt: Date? = nil,
        policy: RolloutPolicy = RolloutPolicy(stabilityWindowSeconds: 300, rolloutTimeoutSeconds: 900)
    ) -> WatchTarget {
        WatchTarget(
            deployId: deployId, fluxNamespace: "flux-system", kustomization: "shop-prod", gitRepository: "gitops",
            namespace: "shop", deployment: "shop", commit: commit, branch: "main",
            expectedImage: "\(Self.image):\(tag)",
            startedAt: startedAt, rolledOutAt: rolledOutAt, policy: policy)
    }

    /// Polls with a clock that moves `step` seconds per poll, persisting `rolledOutAt` like the deploy state
    /// machine does, until the deploy is stable or failed (or `maxPolls` pass).
    /// - Returns: Every observation, in order.
    func watch(_ start: WatchTarget, observer: ClusterObserver, step: Double = 60, maxPolls: Int = 20) async
        -> [RolloutObservation]
    {
        var target = start
        var seen: [RolloutObservation] = []
        var now = target.deploy.startedAt
        for _ in 0..<maxPolls {
            now += step
            guard let observation = await observer.observe([target], now: now)[target.deployId] else { continue }
            seen.append(observation)
            switch observation {
            case .rolledOut where target.deploy.rolledOutAt == nil: target.deploy.rolledOutAt = now
            case .stable, .failed: return seen
            default: break
            }
        }
        return seen
    }
}
