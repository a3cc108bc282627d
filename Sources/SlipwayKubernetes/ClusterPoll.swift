import DeployCore

/// The result of one poll of the cluster for the deploys in flight.
public struct ClusterPoll: Sendable {
    /// Where each deploy stands, by deploy id.
    public var observations: [String: RolloutObservation]
    /// Deploys that could not be observed this time, by deploy id (try again at the next poll).
    public var errors: [String: KubernetesError]
    /// What the cluster showed for each deploy observed as failed, by deploy id (the whole diagnosis).
    public var failureEvidence: [String: ClusterEvidence] = [:]

    public init(observations: [String: RolloutObservation] = [:], errors: [String: KubernetesError] = [:]) {
        self.observations = observations
        self.errors = errors
    }
}
