/// Timing rules for judging a rollout.
public struct RolloutPolicy: Sendable, Hashable, Codable {
    /// How long the new pods must run without failing after the rollout completes.
    public var stabilityWindowSeconds: Double
    /// How long, from the push, Flux and the rollout together may take before the deploy fails as timed out.
    public var rolloutTimeoutSeconds: Double
    /// How long new pods may sit pending before Slipway fetches events to look for a cause.
    public var stuckAfterSeconds: Double

    public init(
        stabilityWindowSeconds: Double = 300, rolloutTimeoutSeconds: Double = 900, stuckAfterSeconds: Double = 60
    ) {
        self.stabilityWindowSeconds = stabilityWindowSeconds
        self.rolloutTimeoutSeconds = rolloutTimeoutSeconds
        self.stuckAfterSeconds = stuckAfterSeconds
    }

    /// The rollout part of the deploy policy.
    public init(_ policy: DeployPolicy) {
        self.init(
            stabilityWindowSeconds: policy.stabilityWindowSeconds, rolloutTimeoutSeconds: policy.rolloutTimeoutSeconds)
    }
}
