/// Timing rules for judging a rollout.
public struct RolloutPolicy: Sendable, Hashable, Codable {
    /// How long the new pods must run without failing after the rollout completes.
    public var stabilityWindowSeconds: Double
    /// How long, from the push, Flux and the rollout together may take before the deploy fails as timed out.
    public var rolloutTimeoutSeconds: Double
    /// How long new pods may sit pending before Slipway fetches events to look for a cause.
    public var stuckAfterSeconds: Double
    /// How long a pod of the new ReplicaSet may be not ready during the stability window (a probe blip, a pod an
    /// HPA scale-up just added) before the deploy fails; a shorter loss is waited out, also past the window's end.
    public var readinessGraceSeconds: Double

    public init(
        stabilityWindowSeconds: Double = 300, rolloutTimeoutSeconds: Double = 900, stuckAfterSeconds: Double = 60,
        readinessGraceSeconds: Double = 60
    ) {
        self.stabilityWindowSeconds = stabilityWindowSeconds
        self.rolloutTimeoutSeconds = rolloutTimeoutSeconds
        self.stuckAfterSeconds = stuckAfterSeconds
        self.readinessGraceSeconds = readinessGraceSeconds
    }

    /// The rollout part of the deploy policy.
    public init(_ policy: DeployPolicy) {
        self.init(
            stabilityWindowSeconds: policy.stabilityWindowSeconds, rolloutTimeoutSeconds: policy.rolloutTimeoutSeconds,
            readinessGraceSeconds: policy.readinessGraceSeconds)
    }
}
