extension Deploy {
    /// Whether the deploy is in its canary phase: committed (or to be committed) to the canary only, judged by the
    /// canary's checks. The phase is the track of its verification record.
    public var isCanaryPhase: Bool { verification?.track == "canary" }
}

extension EnvironmentEntry {
    /// The kustomization a deploy commits to in its phase: the canary's in the canary phase, else the primary's.
    public func kustomization(for deploy: Deploy) -> String {
        deploy.isCanaryPhase ? canary?.kustomization ?? kustomization : kustomization
    }

    /// The Deployment watched in the deploy's phase.
    public func workload(for deploy: Deploy) -> Workload {
        deploy.isCanaryPhase ? canary?.workload ?? workload : workload
    }

    /// The Flux objects that apply the deploy's phase.
    public func flux(for deploy: Deploy) -> FluxRef {
        deploy.isCanaryPhase ? canary?.flux ?? flux : flux
    }

    /// The checks of the deploy's phase, if any.
    public func verify(for deploy: Deploy) -> VerifyPolicy? {
        deploy.isCanaryPhase ? canary?.verify : verify
    }
}
