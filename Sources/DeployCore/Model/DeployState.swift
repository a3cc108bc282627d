/// Where a deploy is in its lifecycle. Raw values are stored and shown; keep them stable.
public enum DeployState: String, Sendable, Codable, CaseIterable, Hashable {
    case requested
    case awaitingApproval = "awaiting_approval"
    case committing
    case reconciling
    case rollingOut = "rolling_out"
    case verifying
    case succeeded
    case failed
    case rolledBack = "rolled_back"
    case cancelled
    case superseded
    /// A CI deploy that arrived while the environment was locked; recorded, never committed.
    case blocked
    /// A CI deploy that arrived during a freeze; committed when the freeze ends unless a newer one supersedes it.
    case held

    /// True once nothing more will happen to the deploy.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .rolledBack, .cancelled, .superseded, .blocked: true
        default: false
        }
    }

    /// States in which a deploy is in flight (it has work left to do).
    public static let inFlight: Set<DeployState> = [
        .requested, .awaitingApproval, .committing, .reconciling, .rollingOut, .verifying,
    ]

    /// Human wording for Slack and the CLI.
    public var label: String {
        switch self {
        case .requested: "requested"
        case .awaitingApproval: "awaiting approval"
        case .committing: "committing"
        case .reconciling: "reconciling"
        case .rollingOut: "rolling out"
        case .verifying: "verifying"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .rolledBack: "rolled back"
        case .cancelled: "cancelled"
        case .superseded: "superseded"
        case .blocked: "blocked"
        case .held: "held by freeze"
        }
    }
}
