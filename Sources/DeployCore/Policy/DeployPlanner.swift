import Foundation

/// Something someone (or something) asks of one environment: the single input of `DeployPlanner`.
public struct DeployRequest: Sendable, Equatable {
    /// Where the request came from; the rules differ (CI is recorded instead of refused, a button excludes the
    /// deploy it was shown on).
    public enum Origin: Sendable, Equatable {
        /// `/deploy` or `/rollback` typed in Slack (or the deploy modal).
        case slashCommand
        /// The CI image-built webhook of an environment that deploys automatically.
        case ci
        /// The Rollback button on the red message of this failed deploy.
        case rollbackButton(failedDeployId: String, failedTag: String)
        /// A held CI image released because the freeze that held it ended.
        case freezeEnded
        /// A blocked CI image released because the environment was unlocked.
        case unlocked
    }

    public var kind: DeployKind
    public var origin: Origin
    /// The tag asked for (a commit sha already resolved to its image's tag); nil asks for the default: what
    /// `promoteFrom` runs for a deploy, the last known good tag for a rollback.
    public var tag: String?
    /// Slack user id, or `ci`.
    public var requestedBy: String
    /// Set for `--emergency <reason…>`: passes freeze, soak, known-tag and promotion gates, never a lock, and
    /// always needs an approver other than the requester.
    public var emergencyReason: String?

    public init(
        kind: DeployKind, origin: Origin, tag: String?, requestedBy: String, emergencyReason: String? = nil
    ) {
        self.kind = kind
        self.origin = origin
        self.tag = tag
        self.requestedBy = requestedBy
        self.emergencyReason = emergencyReason
    }

    /// Requests Slipway makes on its own (CI, a freeze's end, an unlock) are recorded rather than refused.
    public var isAutomatic: Bool {
        switch origin {
        case .ci, .freezeEnded, .unlocked: true
        case .slashCommand, .rollbackButton: false
        }
    }
}

/// Everything the planner knows about the environment a request is for. Gathered by the caller in one read.
public struct PlanningFacts: Sendable, Equatable {
    public var environment: EnvironmentEntry
    public var history: DeployHistory
    /// The history of `environment.promoteFrom`, when it has one.
    public var sourceHistory: DeployHistory?
    /// Tags Slipway has seen built by CI or deployed anywhere for this service, newest first. Empty for CI's own
    /// requests (`DeployRequest.isAutomatic`), which never weigh them.
    public var knownTags: [String]
    public var lock: EnvironmentLock?
    public var freeze: ActiveFreeze?
    /// Requests of this environment waiting for approval; a new request supersedes them.
    public var pendingRequests: [String]
    public var now: Date

    public init(
        environment: EnvironmentEntry, history: DeployHistory, sourceHistory: DeployHistory? = nil,
        knownTags: [String] = [], lock: EnvironmentLock? = nil, freeze: ActiveFreeze? = nil,
        pendingRequests: [String] = [], now: Date
    ) {
        self.environment = environment
        self.history = history
        self.sourceHistory = sourceHistory
        self.knownTags = knownTags
        self.lock = lock
        self.freeze = freeze
        self.pendingRequests = pendingRequests
        self.now = now
    }
}

/// What the planner decided.
public enum DeployDecision: Sendable, Equatable {
    /// Nothing happens; the requester is told why.
    case refuse(DeployRefusal)
    /// A deploy is created with this plan.
    case create(DeployPlan)
    /// The request is recorded but not deployed (CI only).
    case record(RecordedRequest)
}

/// A deploy the planner accepted.
public struct DeployPlan: Sendable, Equatable {
    public var kind: DeployKind
    public var tag: String
    /// The tag committed now, when known.
    public var previousTag: String?
    /// Distinct approvals needed before the commit; 0 commits at once.
    public var approvalsNeeded: Int
    public var emergencyReason: String?
    /// Pending requests of the environment this one replaces.
    public var supersedes: [String]

    public init(
        kind: DeployKind, tag: String, previousTag: String?, approvalsNeeded: Int, emergencyReason: String? = nil,
        supersedes: [String] = []
    ) {
        self.kind = kind
        self.tag = tag
        self.previousTag = previousTag
        self.approvalsNeeded = approvalsNeeded
        self.emergencyReason = emergencyReason
        self.supersedes = supersedes
    }
}

/// An automatic request kept on record instead of deployed.
public enum RecordedRequest: Sendable, Equatable {
    /// A freeze is in force; deployed when it ends (the newest held image of the environment).
    case held(tag: String, freeze: ActiveFreeze)
    /// The environment is locked, or the tag already failed here; a human may still deploy it on purpose.
    case blocked(tag: String, why: BlockReason)
    /// The tag is already the current one; nothing to commit.
    case alreadyCurrent(tag: String)
}

/// Why an automatic deploy was blocked.
public enum BlockReason: Sendable, Equatable {
    case locked(EnvironmentLock)
    /// The same tag failed (or was rolled back) in this environment before.
    case failedBefore(deployId: String)
}

/// Why a request was refused. Pure data: the Slack layer words it (no markup here).
public enum DeployRefusal: Sendable, Equatable {
    /// The requester is not among the environment's deployers.
    case notDeployer(deployers: [String])
    case locked(EnvironmentLock)
    case frozen(ActiveFreeze)
    /// `/deploy` without a tag where the environment does not promote from another one.
    case tagRequired
    /// `promoteFrom` has no tag whose latest deploy succeeded; `newestFailed` names one that did not, if any.
    case nothingPromotable(source: String, newest: DeployHistory.Entry?)
    /// Promotion gate: the tag never succeeded in `promoteFrom`; `latest` is what is known of it there.
    case notSucceededInSource(tag: String, source: String, latest: DeployHistory.Entry?)
    /// Promotion gate `soakMinutes`: the tag has not been live long enough in `promoteFrom`.
    case soaking(tag: String, source: String, promotableAt: Date)
    /// Promotion gate `requireKnownTag`: Slipway never saw the tag built or deployed.
    case unknownTag(tag: String, newestKnown: [String])
    /// Promotion gate `requireVerified`: the tag's deploy in `promoteFrom` did not pass verification.
    case notVerified(tag: String, source: String)
    /// No tag to roll back to: nothing else ever succeeded here.
    case noSafeRollbackTarget(failingTag: String?)
    /// `/rollback` to a tag that failed (or was rolled back) here, without `--emergency`.
    case rollbackTargetFailed(tag: String, outcome: DeployHistory.Outcome)
    /// The tag is already the current one.
    case alreadyCurrent(tag: String, kind: DeployKind)
    /// `--emergency` needs an approver other than the requester, and the environment lists none.
    case noApprovers
    /// A commit sha for which no built image is known.
    case unknownCommit(ref: String)
}

/// The one door: decides every request that could change what runs in an environment, from the request and the
/// facts (catalog entry, history, locks, freezes, clock). Pure; the coordinator carries out what it returns.
public struct DeployPlanner: Sendable {
    public init() {}

    /// Decides `request` given `facts`.
    /// - Parameters:
    ///   - request: What is asked.
    ///   - facts: What is known about the environment now.
    /// - Returns: refuse, create or record.
    public func plan(_ request: DeployRequest, facts: PlanningFacts) -> DeployDecision {
        let env = facts.environment
        let emergency = request.emergencyReason != nil
        if !request.isAutomatic, !env.mayDeploy(request.requestedBy) {
            return .refuse(.notDeployer(deployers: env.deployers))
        }
        switch request.kind {
        case .deploy:
            return planDeploy(request, facts: facts, emergency: emergency)
        case .rollback:
            return planRollback(request, facts: facts, emergency: emergency)
        }
    }

    private func planDeploy(_ request: DeployRequest, facts: PlanningFacts, emergency: Bool) -> DeployDecision {
        let env = facts.environment
        let current = facts.history.currentTag
        if request.isAutomatic {
            guard let tag = request.tag else { return .refuse(.tagRequired) }
            if let lock = facts.lock { return .record(.blocked(tag: tag, why: .locked(lock))) }
            if let freeze = facts.freeze { return .record(.held(tag: tag, freeze: freeze)) }
            if tag == current { return .record(.alreadyCurrent(tag: tag)) }
            if facts.history.hasFailed(tag), let failed = facts.history.latest(tag) {
                return .record(.blocked(tag: tag, why: .failedBefore(deployId: failed.deployId)))
            }
            return .create(plan(.deploy, tag, facts, request))
        }
        if let lock = facts.lock { return .refuse(.locked(lock)) }
        if !emergency, let freeze = facts.freeze { return .refuse(.frozen(freeze)) }
        let tag: String
        if let asked = request.tag {
            tag = asked
        } else {
            guard let source = env.promoteFrom else { return .refuse(.tagRequired) }
            let sourceHistory = facts.sourceHistory ?? DeployHistory(currentTag: nil, entries: [])
            guard let newest = sourceHistory.succeededTags.first else {
                return .refuse(.nothingPromotable(source: source, newest: sourceHistory.entries.first))
            }
            tag = newest.tag
        }
        if tag == current { return .refuse(.alreadyCurrent(tag: tag, kind: .deploy)) }
        if !emergency, let source = env.promoteFrom, let refusal = promotionGate(tag, source: source, facts: facts) {
            return .refuse(refusal)
        }
        if emergency && env.approvers.isEmpty { return .refuse(.noApprovers) }
        return .create(plan(.deploy, tag, facts, request))
    }

    /// The first promotion gate `tag` fails on its way from `source`, if any.
    public func promotionGate(_ tag: String, source: String, facts: PlanningFacts) -> DeployRefusal? {
        let env = facts.environment
        let sourceHistory = facts.sourceHistory ?? DeployHistory(currentTag: nil, entries: [])
        let latest = sourceHistory.latest(tag)
        if env.requireKnownTag, latest == nil, !facts.knownTags.contains(tag) {
            return .unknownTag(tag: tag, newestKnown: Array(facts.knownTags.prefix(3)))
        }
        guard let latest, latest.outcome == .succeeded else {
            return .notSucceededInSource(tag: tag, source: source, latest: latest)
        }
        if env.requireVerified, !latest.verified {
            return .notVerified(tag: tag, source: source)
        }
        let promotableAt = latest.since.addingTimeInterval(Double(env.soakMinutes) * 60)
        if promotableAt > facts.now {
            return .soaking(tag: tag, source: source, promotableAt: promotableAt)
        }
        return nil
    }

    private func planRollback(_ request: DeployRequest, facts: PlanningFacts, emergency: Bool) -> DeployDecision {
        let history = facts.history
        let current = history.currentTag
        let tag: String
        if let asked = request.tag {
            tag = asked
            if !emergency, let latest = history.latest(asked),
                latest.outcome == .failed || latest.outcome == .rolledBack
            {
                return .refuse(.rollbackTargetFailed(tag: asked, outcome: latest.outcome))
            }
        } else {
            var failing: String?
            if case .rollbackButton(_, let failedTag) = request.origin { failing = failedTag }
            let excluded = Set([current, failing].compactMap { $0 })
            guard let target = history.safeRollbackTarget(excluding: excluded) else {
                return .refuse(.noSafeRollbackTarget(failingTag: failing ?? current))
            }
            tag = target.tag
        }
        if tag == current { return .refuse(.alreadyCurrent(tag: tag, kind: .rollback)) }
        if emergency && facts.environment.approvers.isEmpty { return .refuse(.noApprovers) }
        return .create(plan(.rollback, tag, facts, request))
    }

    private func plan(_ kind: DeployKind, _ tag: String, _ facts: PlanningFacts, _ request: DeployRequest)
        -> DeployPlan
    {
        let env = facts.environment
        var approvals = env.requireApproval ? max(1, env.approvalsRequired) : 0
        if request.emergencyReason != nil { approvals = max(1, approvals) }
        return DeployPlan(
            kind: kind, tag: tag, previousTag: facts.history.currentTag, approvalsNeeded: approvals,
            emergencyReason: request.emergencyReason, supersedes: request.isAutomatic ? [] : facts.pendingRequests)
    }
}
