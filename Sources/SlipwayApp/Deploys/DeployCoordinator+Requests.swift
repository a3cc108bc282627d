import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Who asked, where, and what CI said about the image: the parts of a new deploy the planner does not decide.
public struct DeployRequestDetails: Sendable {
    public var service: String
    public var environment: String
    public var requestedByName: String?
    public var channelId: String?
    public var channelName: String?
    public var responseURL: String?
    /// For the audit trail: `slack:C0DEPLOYS`, `ci`, `slipway`.
    public var origin: String
    /// CI's facts about the image (otherwise looked up among built images).
    public var sourceCommit: String?
    public var author: CommitAuthor?
    public var commitMessage: String?
    /// Drawn before the transaction by busy callers (the CI webhook); drawn here otherwise.
    public var deployId: String?
    public var approvalToken: String?
    /// `--skip-canary`: straight to the primary where a canary is configured.
    public var skipCanary: Bool
    /// Why, when the requester said (the deploy form): audited with the deploy.
    public var reason: String?

    public init(
        service: String, environment: String, requestedByName: String? = nil, channelId: String? = nil,
        channelName: String? = nil, responseURL: String? = nil, origin: String, sourceCommit: String? = nil,
        author: CommitAuthor? = nil, commitMessage: String? = nil, deployId: String? = nil,
        approvalToken: String? = nil, skipCanary: Bool = false, reason: String? = nil
    ) {
        self.reason = reason
        self.service = service
        self.environment = environment
        self.requestedByName = requestedByName
        self.channelId = channelId
        self.channelName = channelName
        self.responseURL = responseURL
        self.origin = origin
        self.sourceCommit = sourceCommit
        self.author = author
        self.commitMessage = commitMessage
        self.deployId = deployId
        self.approvalToken = approvalToken
        self.skipCanary = skipCanary
    }
}

/// What became of a request.
public enum DeployRequestOutcome: Sendable {
    /// Nothing changed; the reason is for the requester.
    case refused(DeployRefusal)
    /// A deploy was created and submitted (waiting for approval, or committing).
    case created(Deploy)
    /// The request was stored as held, blocked or already current, and not deployed.
    case recorded(Deploy, RecordedRequest)
}

extension DeployCoordinator {
    /// The one entry for every request that could change what runs — typed `/deploy` and `/rollback`, the deploy
    /// modal, the Rollback button, CI, a freeze's end, an unlock: gathers the facts, asks `DeployPlanner`, and
    /// carries out its decision in the open transaction `w`.
    /// - Parameters:
    ///   - request: What is asked.
    ///   - details: Who asked and where, and CI's facts about the image.
    ///   - w: The write transaction to join.
    /// - Returns: refused, created or recorded.
    /// - Throws: `CatalogError` for unknown names; `StoreError` on storage failure.
    public func submit(_ request: DeployRequest, details: DeployRequestDetails, in w: any StoreWriter) throws
        -> DeployRequestOutcome
    {
        let (svc, env) = try catalog.resolve(service: details.service, environment: details.environment)
        let now = clock()
        var request = request
        if let ref = request.tag, !request.isAutomatic {
            // A commit sha names the image CI built from it.
            if let image = try w.images(service: svc.name, matching: ref).first {
                request.tag = image.tag
            } else if request.kind == .deploy, CommandParser.isCommitSHA(ref), !ref.contains("-") {
                return .refused(.unknownCommit(ref: ref))
            }
        }
        let facts = try planningFacts(service: svc, environment: env, now: now, for: request, in: w)
        switch planner.plan(request, facts: facts) {
        case .refuse(let refusal):
            return .refused(refusal)
        case .create(let plan):
            var deploy = try newDeploy(request, tag: plan.tag, kind: plan.kind, details: details, now: now, in: w)
            deploy.previousTag = plan.previousTag
            if let reason = plan.emergencyReason { deploy.note = "emergency: " + SlackText.escape(reason) }
            if details.skipCanary { deploy.verification = VerificationRecord(track: "primary") }
            for id in plan.supersedes {
                guard let pending = try w.deploy(id: id), !pending.state.isTerminal else { continue }
                _ = try apply(.supersede(by: deploy.id), to: pending, actor: request.requestedBy, in: w)
            }
            let created = try create(
                deploy, requiresApproval: plan.approvalsNeeded > 0, origin: details.origin,
                approvalToken: details.approvalToken ?? Identifiers.approvalToken(), in: w)
            if let reason = details.reason {
                try w.append(
                    AuditEvent(
                        deployId: created.id, service: created.service, environment: created.environment,
                        actor: request.requestedBy, action: "reason", detail: reason, origin: details.origin, at: now))
            }
            if let reason = plan.emergencyReason {
                try w.append(
                    AuditEvent(
                        deployId: created.id, service: created.service, environment: created.environment,
                        actor: request.requestedBy, action: "emergency", detail: reason, origin: details.origin,
                        at: now))
            }
            return .created(created)
        case .record(let recorded):
            let tag: String
            let event: DeployStateMachine.Event
            switch recorded {
            case .held(let held, let freeze):
                tag = held
                event = .hold(
                    reason: "held: deploys are frozen (\(SlackText.escape(freeze.reason)))", until: freeze.endsAt)
            case .blocked(let blocked, .locked(let lock)):
                tag = blocked
                event = .block(
                    reason:
                        "blocked: \(svc.name)/\(env.name) is locked by \(SlackText.mention(userId: lock.lockedBy)) (\(SlackText.escape(lock.reason)))"
                )
            case .blocked(let blocked, .failedBefore(let id)):
                tag = blocked
                event = .block(
                    reason:
                        "blocked: `\(SlackText.escape(blocked))` already failed here (`\(id)`); deploy it by hand to try it again"
                )
            case .alreadyCurrent(let current):
                tag = current
                event = .alreadyCurrent
            }
            var deploy = try newDeploy(request, tag: tag, kind: .deploy, details: details, now: now, in: w)
            deploy.previousTag = facts.history.currentTag
            try w.insert(deploy)
            try w.append(
                AuditEvent(
                    deployId: deploy.id, service: deploy.service, environment: deploy.environment,
                    actor: request.requestedBy, action: "requested",
                    detail: "\(deploy.kind.rawValue) \(deploy.target) → \(deploy.targetTag)", origin: details.origin,
                    at: now))
            let stored = try apply(event, to: deploy, actor: request.requestedBy, in: w)
            return .recorded(stored, recorded)
        }
    }

    /// `submit(_:details:in:)` in a transaction of its own; wakes the background services afterwards.
    public func submit(_ request: DeployRequest, details: DeployRequestDetails) throws -> DeployRequestOutcome {
        let outcome = try store.write { w in try submit(request, details: details, in: w) }
        signal()
        return outcome
    }

    /// What `/deploy <service> <env>` without a tag would promote now, locks and freezes aside (they end): the
    /// planner's decision for anyone allowed to deploy. For `/status` and the deploy form.
    public func promotion(
        service svc: ServiceEntry, environment env: EnvironmentEntry, now: Date, in r: any StoreReader
    )
        throws -> DeployDecision
    {
        promotion(from: try planningFacts(service: svc, environment: env, now: now, in: r))
    }

    /// As ``promotion(service:environment:now:in:)``, from facts already read.
    public func promotion(from facts: PlanningFacts) -> DeployDecision {
        var facts = facts
        facts.environment.deployers = ["*"]
        facts.lock = nil
        facts.freeze = nil
        let request = DeployRequest(kind: .deploy, origin: .slashCommand, tag: nil, requestedBy: "*promotion*")
        return planner.plan(request, facts: facts)
    }

    /// Deploys that ran, and requests awaiting approval, per environment, that decisions weigh (promotion, rollback
    /// targets, tags that failed; the requests a new one supersedes).
    static let historyDepth = 100
    /// Deploys queued for their commit, per environment, that decisions weigh (as in flight): the worker supersedes
    /// a burst's older ones by its newest anyway.
    static let queuedDepth = 10

    /// What the planner needs to know about one environment, read in `r`.
    /// - Parameter request: The request the facts are for, if any. For an automatic one (CI, a freeze's end, an
    ///   unlock) the tags CI built are not read (`PlanningFacts.knownTags` stays empty): the planner weighs them only
    ///   for requests a person makes.
    public func planningFacts(
        service svc: ServiceEntry, environment env: EnvironmentEntry, now: Date, for request: DeployRequest? = nil,
        in r: any StoreReader
    ) throws -> PlanningFacts {
        let record = try r.environment(service: svc.name, environment: env.name)
        let deploys = try r.planningDeploys(
            service: svc.name, environment: env.name, limit: Self.historyDepth, queuedLimit: Self.queuedDepth)
        let history = DeployHistory(currentTag: record?.currentTag, records: deploys)
        var sourceHistory: DeployHistory?
        var sourceDeploys: [DeployHistory.Record] = []
        if let source = env.promoteFrom {
            sourceDeploys = try r.planningDeploys(
                service: svc.name, environment: source, limit: Self.historyDepth, queuedLimit: Self.queuedDepth)
            let sourceRecord = try r.environment(service: svc.name, environment: source)
            sourceHistory = DeployHistory(currentTag: sourceRecord?.currentTag, records: sourceDeploys)
        }
        var known: [String] = []
        if request?.isAutomatic != true {
            // Built tags are distinct (one image per tag): only deployed ones can repeat.
            known = try r.recentImageTags(service: svc.name, limit: 50)
            var seen = Set(known)
            let deployed = (sourceDeploys + deploys).filter { $0.gitCommit != nil }
                .sorted { $0.createdAt > $1.createdAt }
            for deploy in deployed where seen.insert(deploy.targetTag).inserted { known.append(deploy.targetTag) }
        }
        return PlanningFacts(
            environment: env, history: history, sourceHistory: sourceHistory, knownTags: known,
            lock: try r.lock(service: svc.name, environment: env.name),
            freeze: try activeFreeze(svc, env, now, r),
            pendingRequests: deploys.filter { $0.state == .awaitingApproval }.map(\.id), now: now)
    }

    /// The freeze in force for an environment at `now`, if any: its weekly windows and the ad-hoc freezes.
    func activeFreeze(_ svc: ServiceEntry, _ env: EnvironmentEntry, _ now: Date, _ r: any StoreReader) throws
        -> ActiveFreeze?
    {
        try freezeCalendar(env, now: now, in: r).activeFreeze(at: now)
    }

    /// The freezes of an environment: weekly windows from the configuration, ad-hoc ones from the store.
    public func freezeCalendar(_ env: EnvironmentEntry, now: Date, in r: any StoreReader) throws -> FreezeCalendar {
        FreezeCalendar(environment: env.name, windows: env.freezeWindows, adHoc: try r.adHocFreezes(activeAt: now))
    }

    private func newDeploy(
        _ request: DeployRequest, tag: String, kind: DeployKind, details: DeployRequestDetails, now: Date,
        in r: any StoreReader
    ) throws -> Deploy {
        let image = try r.images(service: details.service, matching: tag).first
        let source: DeploySource = request.isAutomatic ? .ci : .slack
        return Deploy(
            id: details.deployId ?? Identifiers.deployId(now: now), service: details.service,
            environment: details.environment, kind: kind, source: source, targetTag: tag,
            sourceCommit: details.sourceCommit ?? image?.sha, author: details.author ?? image?.author,
            commitMessage: details.commitMessage ?? image?.message, requestedBy: request.requestedBy,
            requestedByName: details.requestedByName, channelId: details.channelId, channelName: details.channelName,
            responseURL: details.responseURL, createdAt: now)
    }
}
