import DeployCore
import Foundation

/// One deploy in flight, as the cluster observer needs it: what to look at and what to expect.
public struct WatchTarget: Sendable, Equatable {
    public var deploy: WatchedDeploy
    /// The Flux Kustomization (and its GitRepository) that applies the environment.
    public var flux: EnvironmentEntry.FluxRef
    /// The Deployment that runs the service.
    public var workload: EnvironmentEntry.Workload
    /// Further workloads that must roll out too (an environment's `workloads` beyond the first).
    public var otherWorkloads: [EnvironmentEntry.Workload] = []
    public var policy: RolloutPolicy
    /// The environment's HelmRelease, when it ships as one: it must release the applied generation first.
    public var helmRelease: ObjectRef? = nil

    public init(
        deploy: WatchedDeploy, flux: EnvironmentEntry.FluxRef, workload: EnvironmentEntry.Workload,
        otherWorkloads: [EnvironmentEntry.Workload] = [], policy: RolloutPolicy, helmRelease: ObjectRef? = nil
    ) {
        self.helmRelease = helmRelease
        self.deploy = deploy
        self.flux = flux
        self.workload = workload
        self.otherWorkloads = otherWorkloads
        self.policy = policy
    }

    /// - Parameters:
    ///   - deployId: The deploy's id; observations are keyed by it.
    ///   - fluxNamespace: Namespace of the Kustomization, e.g. `flux-system`.
    ///   - kustomization: The Kustomization's name.
    ///   - gitRepository: The GitRepository's name.
    ///   - namespace: The workload's namespace.
    ///   - deployment: The Deployment's name.
    ///   - commit: The pushed GitOps commit.
    ///   - branch: The GitOps branch.
    ///   - expectedImage: `<image>:<tag>` the Deployment must run.
    ///   - startedAt: When the commit was pushed.
    ///   - rolledOutAt: When the rollout was first seen complete (persisted by the caller).
    ///   - policy: Stability window and timeouts.
    public init(
        deployId: String, fluxNamespace: String, kustomization: String, gitRepository: String, namespace: String,
        deployment: String, commit: String, branch: String, expectedImage: String, startedAt: Date,
        rolledOutAt: Date? = nil, policy: RolloutPolicy = RolloutPolicy()
    ) {
        self.init(
            deploy: WatchedDeploy(
                deployId: deployId, commit: commit, branch: branch, expectedImage: expectedImage, startedAt: startedAt,
                rolledOutAt: rolledOutAt),
            flux: EnvironmentEntry.FluxRef(
                namespace: fluxNamespace, kustomization: kustomization, gitRepository: gitRepository),
            workload: EnvironmentEntry.Workload(namespace: namespace, deployment: deployment),
            policy: policy)
    }

    public var deployId: String { deploy.deployId }

    /// Every workload to watch: `workload` first.
    public var workloads: [EnvironmentEntry.Workload] { [workload] + otherWorkloads }
}
