/// Where a watched deploy stands at one poll.
public enum RolloutObservation: Sendable, Hashable, Codable {
    /// Flux has not applied the pushed commit yet.
    case waitingForFlux
    /// Flux applied the pushed commit (Ready=True) but the Deployment does not run the new image yet.
    case applied
    /// The Deployment is rolling out the new image.
    case rollingOut(updated: Int, ready: Int, desired: Int)
    /// The rollout is complete and Flux is Ready at the pushed commit; the stability window runs.
    case rolledOut
    /// The stability window passed with no new pod failing: the deploy succeeded.
    case stable
    /// The deploy failed.
    case failed(FailureCause)
    /// A rollout this deploy did not start replaced it (the Deployment now runs another image): not a failure of
    /// this deploy. `by` says what replaced it, plain text, e.g. "another rollout (the Deployment now runs …)".
    case superseded(by: String)

    /// The deploy state this observation puts a watched deploy in.
    public var deployState: DeployState {
        switch self {
        case .waitingForFlux, .applied: .reconciling
        case .rollingOut: .rollingOut
        case .rolledOut: .verifying
        case .stable: .succeeded
        case .failed: .failed
        case .superseded: .superseded
        }
    }

    /// Progress for the live Slack message, e.g. "2/3 pods updated, 1 ready", or nil.
    public var progress: String? {
        switch self {
        case .waitingForFlux: "waiting for Flux to apply the commit"
        case .applied: "Flux applied the commit"
        case .rollingOut(let updated, let ready, let desired): "\(updated)/\(desired) pods updated, \(ready) ready"
        case .rolledOut: "rolled out; watching the new pods"
        case .stable, .failed, .superseded: nil
        }
    }
}
