/// An environment's canary: a second Deployment in the primary's namespace that shares its Service's selector, so it
/// takes traffic in proportion to its ready replicas. A deploy commits the new tag to the canary's kustomization first
/// and judges it with `verify` before the primary is touched.
public struct CanaryEntry: Sendable, Equatable {
    /// The canary's kustomization.yaml in the GitOps repository.
    public var kustomization: String
    public var workload: EnvironmentEntry.Workload
    public var verify: VerifyPolicy
    /// The Flux Kustomization that applies the canary's kustomization; nil when the primary's applies both.
    public var flux: EnvironmentEntry.FluxRef?

    public init(
        kustomization: String, workload: EnvironmentEntry.Workload, verify: VerifyPolicy,
        flux: EnvironmentEntry.FluxRef? = nil
    ) {
        self.kustomization = kustomization
        self.workload = workload
        self.verify = verify
        self.flux = flux
    }
}
