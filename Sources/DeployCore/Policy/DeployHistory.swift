import Foundation

/// What happened in one environment, as the planner needs it: the current tag and each deploy's outcome, newest
/// first. Built from stored deploys by the caller; no I/O here.
public struct DeployHistory: Sendable, Equatable {
    /// How a deploy of a tag ended (or that it has not ended).
    public enum Outcome: String, Sendable, Equatable {
        case succeeded
        case failed
        /// It failed (or was replaced in an incident) and a rollback took it out.
        case rolledBack
        /// Still on its way: approved or queued, committing, rolling out or verifying.
        case inFlight
    }

    /// One deploy of a tag in the environment.
    public struct Entry: Sendable, Equatable {
        public var deployId: String
        public var tag: String
        public var kind: DeployKind
        public var outcome: Outcome
        /// When the outcome began: the rollout finished (succeeded), the failure was seen, or the request was made.
        public var since: Date
        /// Whether the deploy passed post-deploy verification (see `Deploy.isVerified`).
        public var verified: Bool

        public init(
            deployId: String, tag: String, kind: DeployKind = .deploy, outcome: Outcome, since: Date,
            verified: Bool = false
        ) {
            self.deployId = deployId
            self.tag = tag
            self.kind = kind
            self.outcome = outcome
            self.since = since
            self.verified = verified
        }

        /// The entry for a stored deploy; nil for deploys that never ran (cancelled, superseded, blocked, held).
        public init?(_ deploy: Deploy) { self.init(Record(deploy)) }

        /// The entry for a stored deploy's record; nil for deploys that never ran.
        public init?(_ deploy: Record) {
            let outcome: Outcome
            let since: Date
            switch deploy.state {
            case .succeeded:
                outcome = .succeeded
                since = deploy.rolledOutAt ?? deploy.finishedAt ?? deploy.updatedAt
            case .failed:
                // A failure before anything reached git changed nothing in the environment.
                guard deploy.gitCommit != nil else { return nil }
                outcome = .failed
                since = deploy.finishedAt ?? deploy.updatedAt
            case .rolledBack:
                outcome = .rolledBack
                since = deploy.finishedAt ?? deploy.updatedAt
            case .committing, .reconciling, .rollingOut, .verifying:
                outcome = .inFlight
                since = deploy.createdAt
            default:
                return nil
            }
            self.init(
                deployId: deploy.id, tag: deploy.targetTag, kind: deploy.kind, outcome: outcome, since: since,
                verified: deploy.verified)
        }
    }

    /// What deploy decisions read of a stored deploy (`StoreReader.planningDeploys`): its place in the
    /// environment's history, without the rest of its row (texts, approval, failure, message), which every deploy
    /// request would otherwise decode for each deploy it weighs.
    public struct Record: Sendable, Equatable {
        public var id: String
        public var targetTag: String
        public var kind: DeployKind
        public var state: DeployState
        public var previousTag: String?
        public var gitCommit: String?
        public var createdAt: Date
        public var updatedAt: Date
        public var rolledOutAt: Date?
        public var finishedAt: Date?
        /// `Deploy.isVerified`.
        public var verified: Bool

        public init(
            id: String, targetTag: String, kind: DeployKind, state: DeployState, previousTag: String?,
            gitCommit: String?, createdAt: Date, updatedAt: Date, rolledOutAt: Date?, finishedAt: Date?,
            verified: Bool
        ) {
            self.id = id
            self.targetTag = targetTag
            self.kind = kind
            self.state = state
            self.previousTag = previousTag
            self.gitCommit = gitCommit
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.rolledOutAt = rolledOutAt
            self.finishedAt = finishedAt
            self.verified = verified
        }

        public init(_ deploy: Deploy) {
            self.init(
                id: deploy.id, targetTag: deploy.targetTag, kind: deploy.kind, state: deploy.state,
                previousTag: deploy.previousTag, gitCommit: deploy.gitCommit, createdAt: deploy.createdAt,
                updatedAt: deploy.updatedAt, rolledOutAt: deploy.rolledOutAt, finishedAt: deploy.finishedAt,
                verified: deploy.isVerified)
        }
    }

    /// The tag committed in the environment now, when known.
    public var currentTag: String?
    /// Deploys, newest first.
    public var entries: [Entry]

    public init(currentTag: String?, entries: [Entry]) {
        self.currentTag = currentTag
        self.entries = entries
    }

    /// The history of stored deploys (any order); deploys that never ran are left out. The tag the oldest of them
    /// replaced counts as succeeded from then on: it ran before Slipway first changed the environment.
    public init(currentTag: String?, deploys: [Deploy]) {
        self.init(currentTag: currentTag, records: deploys.map(Record.init))
    }

    /// As `init(currentTag:deploys:)`, from the records decisions read.
    public init(currentTag: String?, records deploys: [Record]) {
        self.currentTag = currentTag
        let sorted = deploys.sorted { $0.createdAt > $1.createdAt }
        let entries = sorted.compactMap(Entry.init)
        self.entries = entries
        if let oldest = sorted.last(where: { $0.gitCommit != nil }), let baseline = oldest.previousTag,
            !entries.contains(where: { $0.tag == baseline })
        {
            self.baseline = Entry(deployId: oldest.id, tag: baseline, outcome: .succeeded, since: oldest.createdAt)
        }
    }

    /// The tag the environment ran before the oldest recorded deploy changed it. It is a rollback target of last
    /// resort (it ran before), but is never promoted: Slipway never saw it succeed.
    public var baseline: Entry?

    /// The latest entry of `tag`, which decides what is known of it here.
    public func latest(_ tag: String) -> Entry? { entries.first { $0.tag == tag } }

    /// Tags whose latest deploy here succeeded, newest success first.
    public var succeededTags: [Entry] {
        var seen: Set<String> = []
        var good: [Entry] = []
        for entry in entries where seen.insert(entry.tag).inserted && entry.outcome == .succeeded {
            good.append(entry)
        }
        return good.sorted { $0.since > $1.since }
    }

    /// Whether any deploy of `tag` failed here (or was rolled back), and no later one succeeded.
    public func hasFailed(_ tag: String) -> Bool {
        guard let latest = latest(tag) else { return false }
        return latest.outcome == .failed || latest.outcome == .rolledBack
    }

    /// The tag a rollback may restore: the newest one whose latest deploy here succeeded, other than `excluding`
    /// (the current and the failing tag). Never a tag that failed, was rolled back, or is still in flight.
    public func safeRollbackTarget(excluding: Set<String>) -> Entry? {
        succeededTags.first { !excluding.contains($0.tag) }
            ?? baseline.flatMap { excluding.contains($0.tag) ? nil : $0 }
    }
}
