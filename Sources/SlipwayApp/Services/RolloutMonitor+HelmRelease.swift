import DeployCore

extension RolloutMonitor {
    /// The HelmRelease the environment ships as, which Slipway asks to reconcile and watches before the rollout.
    static func helmRelease(_ env: EnvironmentEntry) -> ObjectRef? {
        env.helmRelease.map { ObjectRef(namespace: $0.namespace, name: $0.name) }
    }
}
