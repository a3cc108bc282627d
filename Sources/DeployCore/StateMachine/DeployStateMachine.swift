import Foundation

/// The deploy lifecycle as a pure value: given a deploy and an event it returns the new deploy, the actions the
/// caller must carry out, and the audit event to store. No I/O; time is passed in.
///
/// ```
/// requested → awaiting_approval → committing → reconciling → rolling_out → verifying → succeeded
///          ↘ committing (no approval needed)                       ↘ failed ─→ rolled_back
/// any unfinished state → cancelled | superseded | failed
/// ```
public struct DeployStateMachine: Sendable {
    public var policy: DeployPolicy

    public init(policy: DeployPolicy) { self.policy = policy }

    /// Something that happened to a deploy.
    public enum Event: Sendable, Equatable {
        /// The request was accepted; it needs an approval or goes straight to committing.
        case submit(requiresApproval: Bool, approvalToken: String)
        case approve(by: String)
        /// One more approval, but not the last one needed (`approvalsRequired`).
        case approvalProgress(by: String, have: Int, needed: Int)
        case deny(by: String)
        case expireApproval
        /// The GitOps commit was pushed.
        /// `note`: a warning shown with the deploy from now on (Flux image automation may overwrite the pin).
        case committed(commit: String, previousTag: String?, note: String? = nil)
        /// The tag was already in the file; nothing was committed.
        case alreadyCurrent
        /// Flux applied the pushed revision.
        case applied
        /// Rollout progress (e.g. "2/3 updated").
        case progress(String)
        /// The Deployment finished rolling out; the stability window starts.
        case rolledOut
        /// The stability window passed without a failing pod.
        case stable
        case fail(FailureRecord)
        /// A newer deploy of the same service and environment replaces this one.
        case supersede(by: String)
        /// A rollback of this environment succeeded after this deploy.
        case rolledBack(by: String)
        case cancel(reason: String)
        /// A CI deploy arrived during a freeze: kept until the freeze ends.
        case hold(reason: String, until: Date)
        /// A CI deploy that must not run (lock, or the tag failed here before): recorded and announced.
        case block(reason: String)
        /// A held deploy goes ahead (the freeze ended).
        case release(requiresApproval: Bool, approvalToken: String)
        /// A verification sample, or an approver's decision on an inconclusive one, changed the verification record.
        case verification(VerificationRecord)
        /// The canary passed its checks: the deploy goes on to commit the primary.
        case canaryPassed(summary: String)
    }

    /// What the caller must do after a transition.
    public enum Action: Sendable, Equatable {
        /// Post the approval request (Approve/Deny buttons).
        case requestApproval
        /// Commit the tag to the GitOps repository.
        case commit
        /// Ask Flux to reconcile now and start watching.
        case reconcile
        /// Refresh the deploy's Slack message.
        case updateMessage
        /// Tell on-call (DM) and page, when the environment pages.
        case alertOnCall
        /// Resolve an open page for this environment.
        case resolveAlerts
        /// Lock the environment (after a rollback).
        case lockEnvironment(reason: String)
        /// Record the deploy's tag as committed in the environment.
        case recordCommittedTag
        /// Record the deploy's tag as live (last known good).
        case recordLiveTag
        /// Tell the requester privately (ephemeral), e.g. "approval expired".
        case tellRequester(String)
    }

    /// The outcome of one event.
    public struct Transition: Sendable, Equatable {
        public var deploy: Deploy
        public var actions: [Action]
        public var audit: AuditEvent
    }

    /// Applies `event` to `deploy`.
    /// - Parameters:
    ///   - event: What happened.
    ///   - deploy: The deploy as stored.
    ///   - actor: Who caused it (Slack user id, `ci`, `slipway`).
    ///   - now: The current time (injected).
    /// - Throws: `TransitionError` when the event does not apply in the deploy's state; its message is user-facing.
    public func apply(_ event: Event, to deploy: Deploy, actor: String, now: Date) throws(TransitionError) -> Transition
    {
        var next = deploy
        var actions: [Action] = []
        let from = deploy.state
        var why: String

        switch event {
        case .submit(let requiresApproval, let token):
            try expect(deploy, in: [.requested], doing: "submit")
            if requiresApproval {
                next.state = .awaitingApproval
                next.approval = Approval(token: token, expiresAt: now.addingTimeInterval(policy.approvalTimeoutSeconds))
                actions = [.requestApproval]
                why = "needs approval by \(Int(policy.approvalTimeoutSeconds / 60)) min"
            } else {
                next.state = .committing
                actions = [.updateMessage, .commit]
                why = "no approval needed"
                if deploy.kind == .rollback {
                    actions.insert(.lockEnvironment(reason: rollbackLockReason(deploy)), at: 0)
                }
            }

        case .approve(let user):
            try expectPendingApproval(deploy, now: now)
            next.approval?.decidedBy = user
            next.approval?.decidedAt = now
            next.approval?.approved = true
            next.state = .committing
            actions = [.updateMessage, .commit]
            // Locked as soon as it is approved, so no CI deploy slips in during the rollback's rollout.
            if deploy.kind == .rollback { actions.insert(.lockEnvironment(reason: rollbackLockReason(deploy)), at: 0) }
            why = "approved by \(user)"

        case .approvalProgress(let user, let have, let needed):
            try expectPendingApproval(deploy, now: now)
            why = "approved by \(user) (\(have) of \(needed))"

        case .deny(let user):
            try expectPendingApproval(deploy, now: now)
            next.approval?.decidedBy = user
            next.approval?.decidedAt = now
            next.approval?.approved = false
            next.state = .cancelled
            next.note = "denied"  // Slack names who from `approval.decidedBy`
            next.finishedAt = now
            actions = [.updateMessage]
            why = "denied by \(user)"

        case .expireApproval:
            try expect(deploy, in: [.awaitingApproval], doing: "expire")
            guard let approval = deploy.approval, approval.expiresAt <= now else {
                throw TransitionError("The approval of \(deploy.id) has not expired yet.")
            }
            next.state = .cancelled
            next.note = "approval expired"
            next.finishedAt = now
            actions = [
                .updateMessage,
                .tellRequester(
                    "Your \(deploy.kind.rawValue) of \(deploy.target) expired without approval. Ask an approver and run it again."
                ),
            ]
            why = "approval expired"

        case .committed(let commit, let previousTag, let note):
            try expect(deploy, in: [.committing], doing: "commit")
            next.state = .reconciling
            next.gitCommit = commit
            if let previousTag { next.previousTag = previousTag }
            // A note of the commit (an image-automation warning) is added to what the deploy says already.
            if let note { next.note = deploy.note.map { "\($0); \(note)" } ?? note }
            next.committedAt = now
            actions = [.recordCommittedTag, .updateMessage, .reconcile]
            // A canary commit leaves the environment's tag (the primary's) as it is.
            if deploy.isCanaryPhase { actions.removeFirst() }
            why = "pushed \(commit.prefix(12))" + (deploy.isCanaryPhase ? " (canary)" : "")

        case .alreadyCurrent:
            try expect(deploy, in: [.committing, .requested], doing: "commit")
            next.state = .cancelled
            next.note = "`\(deploy.targetTag)` is already the current tag; nothing to commit"
            next.finishedAt = now
            actions = [.updateMessage]
            why = "tag already current"

        case .applied:
            try expect(deploy, in: [.reconciling], doing: "mark applied")
            next.state = .rollingOut
            actions = [.updateMessage]
            why = "Flux applied \(deploy.gitCommit?.prefix(12) ?? "the commit")"

        case .progress(let text):
            try expect(deploy, in: [.rollingOut, .reconciling, .committing], doing: "report progress")
            guard deploy.progress != text else {
                return Transition(deploy: deploy, actions: [], audit: audit(deploy, actor, "progress", text, now))
            }
            next.progress = text
            actions = [.updateMessage]
            why = text

        case .rolledOut:
            try expect(deploy, in: [.reconciling, .rollingOut], doing: "mark rolled out")
            next.state = .verifying
            next.rolledOutAt = now
            actions = [.updateMessage]
            why = "rollout complete; watching for \(Int(policy.stabilityWindowSeconds)) s"

        case .stable:
            try expect(deploy, in: [.verifying], doing: "mark succeeded")
            next.state = .succeeded
            next.finishedAt = now
            next.progress = nil
            actions = [.recordLiveTag, .updateMessage, .resolveAlerts]
            why = "stable for \(Int(policy.stabilityWindowSeconds)) s"

        case .fail(let failure):
            guard !deploy.state.isTerminal else {
                throw TransitionError("\(deploy.id) already ended (\(deploy.state.label)).")
            }
            next.state = .failed
            next.failure = failure
            next.finishedAt = now
            actions = [.updateMessage]
            if deploy.state != .awaitingApproval && next.failureReachedCluster { actions.append(.alertOnCall) }
            why = "\(failure.cause): \(failure.title)"

        case .supersede(let newer):
            guard !deploy.state.isTerminal else {
                throw TransitionError("\(deploy.id) already ended (\(deploy.state.label)).")
            }
            next.state = .superseded
            next.note = "superseded by \(newer)"
            next.finishedAt = now
            actions = [.updateMessage]
            why = "superseded by \(newer)"

        case .rolledBack(let rollback):
            try expect(deploy, in: [.failed, .succeeded], doing: "mark rolled back")
            next.state = .rolledBack
            next.note = "rolled back by \(rollback)"
            actions = [.updateMessage]
            why = "rolled back by \(rollback)"

        case .hold(let reason, let until):
            try expect(deploy, in: [.requested], doing: "hold")
            next.state = .held
            next.note = reason
            actions = [.updateMessage]
            why = "held until \(until): \(reason)"

        case .block(let reason):
            try expect(deploy, in: [.requested, .held], doing: "block")
            next.state = .blocked
            next.note = reason
            next.finishedAt = now
            actions = [.updateMessage]
            why = reason

        case .release(let requiresApproval, let token):
            try expect(deploy, in: [.held], doing: "release")
            next.note = nil
            if requiresApproval {
                next.state = .awaitingApproval
                next.approval = Approval(token: token, expiresAt: now.addingTimeInterval(policy.approvalTimeoutSeconds))
                actions = [.requestApproval]
            } else {
                next.state = .committing
                actions = [.updateMessage, .commit]
            }
            why = "released: the freeze ended"

        case .verification(let record):
            try expect(deploy, in: [.verifying], doing: "record verification of")
            guard deploy.verification != record else {
                return Transition(deploy: deploy, actions: [], audit: audit(deploy, actor, "verification", "", now))
            }
            next.verification = record
            actions = [.updateMessage]
            why = "verification \(record.verdict.rawValue) after \(record.samples) sample(s)"

        case .canaryPassed(let summary):
            try expect(deploy, in: [.verifying], doing: "promote the canary of")
            guard deploy.isCanaryPhase else { throw TransitionError("\(deploy.id) has no canary phase.") }
            next.state = .committing
            next.gitCommit = nil
            next.committedAt = nil
            next.rolledOutAt = nil
            next.progress = nil
            next.verification = VerificationRecord(track: "primary")
            next.note = "canary passed: \(summary)"
            actions = [.updateMessage, .commit]
            why = "canary passed; committing the primary"

        case .cancel(let reason):
            guard !deploy.state.isTerminal else {
                throw TransitionError("\(deploy.id) already ended (\(deploy.state.label)).")
            }
            next.state = .cancelled
            next.note = reason
            next.finishedAt = now
            actions = [.updateMessage]
            why = reason
        }

        next.updatedAt = now
        let verb = next.state == from ? "update" : "state:\(next.state.rawValue)"
        return Transition(
            deploy: next, actions: actions,
            audit: audit(deploy, actor, verb, "\(from.rawValue) → \(next.state.rawValue): \(why)", now))
    }

    /// Plain text (the lock's `lockedBy` is the requester, shown as a mention where the lock is shown).
    private func rollbackLockReason(_ deploy: Deploy) -> String {
        "rollback to \(deploy.targetTag): fix forward or unlock"
    }

    private func audit(_ deploy: Deploy, _ actor: String, _ action: String, _ detail: String, _ now: Date) -> AuditEvent
    {
        AuditEvent(
            deployId: deploy.id, service: deploy.service, environment: deploy.environment, actor: actor, action: action,
            detail: detail, at: now)
    }

    private func expect(_ deploy: Deploy, in states: Set<DeployState>, doing what: String) throws(TransitionError) {
        guard states.contains(deploy.state) else {
            throw TransitionError(
                "Cannot \(what) \(deploy.id): it is \(deploy.state.label).")
        }
    }

    private func expectPendingApproval(_ deploy: Deploy, now: Date) throws(TransitionError) {
        guard deploy.state == .awaitingApproval, let approval = deploy.approval else {
            if let decided = deploy.approval?.decidedBy, let approved = deploy.approval?.approved {
                throw TransitionError(
                    "This request was already \(approved ? "approved" : "denied") (by \(decided)); nothing changed.")
            }
            throw TransitionError("This request is no longer waiting for approval (it is \(deploy.state.label)).")
        }
        guard approval.expiresAt > now else {
            throw TransitionError(
                "This approval request expired; ask the requester to run the command again.")
        }
    }
}

/// An event that does not apply to a deploy in its current state. The message is safe to show in Slack.
public struct TransitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
