import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Applies deploy events atomically: the new state, its audit event, the environment records and every outbox
/// message it causes are written in one store transaction. Slow work (git, Kubernetes, Slack) is left to the
/// background services, which the coordinator wakes.
public final class DeployCoordinator: Sendable {
    public let store: any Store
    public let catalog: Catalog
    public let machine: DeployStateMachine
    public let clock: @Sendable () -> Date
    let outbox: OutboxComposer
    /// Wakes the deploy worker (commits) and the rollout monitor.
    public let workAvailable: Wakeup
    public let outboxAvailable: Wakeup
    /// Called for each deploy that reaches a terminal state (metrics).
    let onFinished: @Sendable (Deploy) -> Void
    /// Wakes the rollout monitor when a commit was pushed (`.reconcile`): it never polls the store for new pushes.
    public let rolloutAvailable: Wakeup
    /// Decides every request (`submit(_:details:in:)`).
    public let planner = DeployPlanner()

    public init(
        store: any Store, catalog: Catalog, policy: DeployPolicy, outbox: OutboxComposer,
        clock: @escaping @Sendable () -> Date, workAvailable: Wakeup = Wakeup(), outboxAvailable: Wakeup = Wakeup(),
        onFinished: @escaping @Sendable (Deploy) -> Void = { _ in }, rolloutAvailable: Wakeup = Wakeup()
    ) {
        self.onFinished = onFinished
        self.rolloutAvailable = rolloutAvailable
        self.store = store
        self.catalog = catalog
        self.machine = DeployStateMachine(policy: policy)
        self.outbox = outbox
        self.clock = clock
        self.workAvailable = workAvailable
        self.outboxAvailable = outboxAvailable
    }

    /// Creates a deploy and submits it (approval or straight to committing) in one transaction.
    /// - Parameters:
    ///   - deploy: The new deploy, in state `requested`.
    ///   - requiresApproval: Whether an approver must click Approve first.
    ///   - origin: Where it came from, for the audit trail (`slack:C0DEPLOYS`, `ci`).
    ///   - token: The opaque approval id for the buttons (drawn before the transaction by busy callers).
    ///   - writer: An open write transaction to join (the CI webhook records its idempotency key in the same one).
    /// - Returns: the stored deploy after submission.
    @discardableResult
    public func create(
        _ deploy: Deploy, requiresApproval: Bool, origin: String,
        approvalToken token: String = Identifiers.approvalToken(), in writer: any StoreWriter
    ) throws -> Deploy {
        let deploy = withCanaryPhase(deploy)
        let now = clock()
        // The deploy is stored once, already submitted: one insert instead of an insert and an update, on the
        // path every CI webhook takes. Both steps are still audited.
        let transition = try machine.apply(
            .submit(requiresApproval: requiresApproval, approvalToken: token), to: deploy,
            actor: deploy.requestedBy, now: now)
        var saved = transition.deploy
        saved.version = 0
        try writer.insert(saved)
        try writer.append(
            AuditEvent(
                deployId: deploy.id, service: deploy.service, environment: deploy.environment,
                actor: deploy.requestedBy, action: "requested",
                detail: "\(deploy.kind.rawValue) \(deploy.target) → \(deploy.targetTag)"
                    + (deploy.previousTag.map { " (now \($0))" } ?? ""),
                origin: origin, at: now))
        return try record(transition, saved: saved, previous: deploy, event: nil, in: writer, now: now)
    }

    /// Creates and submits a deploy in its own transaction.
    @discardableResult
    public func create(_ deploy: Deploy, requiresApproval: Bool, origin: String) throws -> Deploy {
        let stored = try store.write { w in
            try create(deploy, requiresApproval: requiresApproval, origin: origin, in: w)
        }
        signal()
        return stored
    }

    /// Applies `event` to the deploy with `id` in its own transaction.
    /// - Throws: `TransitionError` (user-facing) when the event does not apply; `StoreError` on storage failure.
    @discardableResult
    public func apply(_ event: DeployStateMachine.Event, deployId: String, actor: String) throws -> Deploy {
        let stored = try store.write { w -> Deploy in
            guard let deploy = try w.deploy(id: deployId) else {
                throw TransitionError("Deploy \(deployId) does not exist.")
            }
            return try apply(event, to: deploy, actor: actor, in: w)
        }
        signal()
        return stored
    }

    /// Applies `event` to the deploy with `id` in its own transaction, on the store's own threads: what background
    /// services call, so a transaction (a SQLite group commit, a PostgreSQL round trip) never blocks the cooperative
    /// pool.
    /// - Throws: as the synchronous `apply(_:deployId:actor:)`.
    @discardableResult
    public func apply(_ event: DeployStateMachine.Event, deployId: String, actor: String) async throws -> Deploy {
        try await store.executor.run { try self.apply(event, deployId: deployId, actor: actor) }
    }

    /// Applies `event` inside an open transaction and carries out the store-side actions.
    @discardableResult
    public func apply(
        _ event: DeployStateMachine.Event, to deploy: Deploy, actor: String, in w: any StoreWriter
    ) throws -> Deploy {
        let now = clock()
        let transition = try machine.apply(event, to: deploy, actor: actor, now: now)
        guard let saved = try w.update(transition.deploy) else {
            throw StoreError.busy("deploy \(deploy.id) changed concurrently")
        }
        return try record(transition, saved: saved, previous: deploy, event: event, in: w, now: now)
    }

    /// The store-side half of a transition whose deploy row is already written: audit, actions, superseding, and
    /// the finished hook.
    private func record(
        _ transition: DeployStateMachine.Transition, saved: Deploy, previous deploy: Deploy,
        event: DeployStateMachine.Event?, in w: any StoreWriter, now: Date
    ) throws -> Deploy {
        try w.append(transition.audit)
        for action in transition.actions {
            try perform(action, for: saved, previous: deploy, in: w, now: now)
        }
        if case .committed? = event {
            try supersedeOlder(than: saved, in: w)
        }
        if case .fail? = event { try rollBackAutomatically(after: saved, previous: deploy, in: w, now: now) }
        if saved.state.isTerminal && !deploy.state.isTerminal {
            let onFinished = self.onFinished
            if let observed = store as? ObservedStore {
                observed.afterCommit { onFinished(saved) }
            } else {
                onFinished(saved)
            }
        }
        return saved
    }

    private func perform(
        _ action: DeployStateMachine.Action, for deploy: Deploy, previous: Deploy,
        in w: any StoreWriter, now: Date
    ) throws {
        switch action {
        case .requestApproval:
            for message in outbox.approvalRequest(for: deploy, now: now) { try w.enqueue(message) }
        case .commit:
            afterCommit(workAvailable.signal)
        case .reconcile:
            afterCommit(rolloutAvailable.signal)
        case .updateMessage:
            // A request that ends while waiting for approval (denied, superseded, expired) updates its own approval
            // message instead of posting a new one; its buttons go with it.
            if previous.state == .awaitingApproval, deploy.gitCommit == nil,
                deploy.state == .cancelled || deploy.state == .superseded,
                let url = outbox.approvalResponseURL(for: previous)
            {
                var message = outbox.renderer.approvalDecided(for: deploy)
                message.replaceOriginal = true
                try w.enqueue(
                    OutboxMessage(
                        key: "\(deploy.id):decided", deployId: deploy.id, target: .response(ResponseURL(url)),
                        payload: OutboxPayload(deployId: deploy.id, message: message).encoded(), createdAt: now))
            } else {
                try w.enqueue(outbox.deployMessage(for: deploy, now: now))
            }
            // The thread's steps after the message's own edit: same ordering key, so they follow it.
            for step in outbox.threadLog?.messages(for: deploy, now: now) ?? [] { try w.enqueue(step) }
        case .alertOnCall:
            for message in outbox.failureAlerts(for: deploy, now: now) { try w.enqueue(message) }
        case .resolveAlerts:
            // Resolve pages of earlier failed deploys of this environment.
            let failed = try w.deploys(
                service: deploy.service, environment: deploy.environment, state: .failed, limit: 20)
            for earlier in failed where earlier.createdAt <= deploy.createdAt {
                if let message = outbox.resolvePage(for: earlier, resolvedBy: deploy, now: now) {
                    try w.enqueue(message)
                }
            }
            if deploy.kind == .rollback {
                for earlier in failed where earlier.createdAt <= deploy.createdAt {
                    // Shown on the red message: who rolled it back and when, not a deploy id.
                    let by =
                        "\(SlackText.mention(userId: deploy.requestedBy)) at \(SlackText.date(now, format: "{date_short_pretty} {time}")) (rollback to `\(SlackText.escape(deploy.targetTag))`)"
                    _ = try? apply(.rolledBack(by: by), to: earlier, actor: "slipway", in: w)
                }
            }
        case .lockEnvironment(let reason):
            let lock = EnvironmentLock(
                service: deploy.service, environment: deploy.environment, reason: reason,
                lockedBy: deploy.requestedBy, lockedAt: now)
            if try w.insertLock(lock) == nil {
                try w.append(
                    AuditEvent(
                        deployId: deploy.id, service: deploy.service, environment: deploy.environment,
                        actor: "slipway", action: "locked", detail: reason, at: now))
            }
        case .recordCommittedTag:
            var record =
                try w.environment(service: deploy.service, environment: deploy.environment)
                ?? EnvironmentRecord(
                    service: deploy.service, environment: deploy.environment, currentTag: nil, liveTag: nil,
                    updatedAt: now)
            record.currentTag = deploy.targetTag
            record.updatedAt = now
            try w.upsert(record)
        case .recordLiveTag:
            var record =
                try w.environment(service: deploy.service, environment: deploy.environment)
                ?? EnvironmentRecord(
                    service: deploy.service, environment: deploy.environment, currentTag: deploy.targetTag,
                    liveTag: nil, updatedAt: now)
            record.liveTag = deploy.targetTag
            record.updatedAt = now
            try w.upsert(record)
        case .tellRequester(let text):
            if let message = outbox.tellRequester(deploy, text: text, now: now) { try w.enqueue(message) }
        }
    }

    /// A newer deploy that reached git replaces every unfinished older one of the same environment.
    private func supersedeOlder(than deploy: Deploy, in w: any StoreWriter) throws {
        let inFlight = try w.deploys(in: DeployState.inFlight)
        for other in inFlight
        where other.id != deploy.id && other.service == deploy.service && other.environment == deploy.environment
            && other.createdAt <= deploy.createdAt
        {
            _ = try apply(.supersede(by: deploy.id), to: other, actor: "slipway", in: w)
        }
    }

    /// Runs `action` once the current transaction commits (at once outside an observed store).
    private func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let observed = store as? ObservedStore { observed.afterCommit(action) } else { action() }
    }

    /// Wakes the background services after a change.
    public func signal() {
        workAvailable.signal()
        outboxAvailable.signal()
    }
}
