import DeployCore
import Foundation
import SlipwayStore

/// `autoRollback: true`: when a deploy fails after its commit (verification failed, or the rollout failed), Slipway
/// itself rolls the environment back to its last **verified** tag — no approval, the policy allowed it in advance —
/// and locks the environment with the reason, in the same transaction as the failure (which pages as always). The
/// lock keeps CI from deploying again until someone unlocks; the deploy worker commits the rollback at once.
enum AutoRollback {
    /// Who is recorded as requesting the automatic rollback.
    static let actor = "slipway"

    /// The tag to go back to: the newest verified deploy of the environment whose tag is not the failed one.
    static func target(for failed: Deploy, history: [Deploy]) -> Deploy? {
        history
            .filter { $0.isVerified && $0.targetTag != failed.targetTag }
            .max { ($0.finishedAt ?? $0.createdAt) < ($1.finishedAt ?? $1.createdAt) }
    }
}

extension DeployCoordinator {
    /// Called for every transition in its transaction: after a deploy of an `autoRollback` environment failed with
    /// its commit in git, creates the rollback to the last verified tag and locks the environment.
    /// - Returns: the rollback created, if any.
    @discardableResult
    func rollBackAutomatically(after failed: Deploy, previous: Deploy, in w: any StoreWriter, now: Date) throws
        -> Deploy?
    {
        // A failed canary never touched the primary: the canary is set back instead (VerificationMonitor).
        guard failed.state == .failed, !previous.state.isTerminal, failed.kind == .deploy, failed.gitCommit != nil,
            !failed.isCanaryPhase,
            let env = catalog[failed.target], env.autoRollback
        else { return nil }
        let record = try w.environment(service: failed.service, environment: failed.environment)
        // Someone committed something newer meanwhile: that is what runs now, not the failed tag.
        if let current = record?.currentTag, current != failed.targetTag { return nil }
        let history = try w.deploys(
            service: failed.service, environment: failed.environment, state: .succeeded, limit: 50)
        let cause = failed.failure?.title ?? "the deploy failed"
        guard let good = AutoRollback.target(for: failed, history: history) else {
            try lockAfterFailure(
                failed,
                reason:
                    "`\(failed.targetTag)` failed (\(cause)); no verified tag to roll back to automatically. Fix forward or roll back by hand, then unlock.",
                in: w, now: now)
            return nil
        }
        let image = try w.images(service: failed.service, matching: good.targetTag).first
        let rollbackId = Identifiers.deployId()
        // Locked first, with the reason: the rollback then finds the environment locked and leaves the lock as is.
        try lockAfterFailure(
            failed,
            reason:
                "automatic rollback of `\(failed.targetTag)` to verified `\(good.targetTag)` (\(rollbackId)): \(cause). Fix forward or unlock.",
            in: w, now: now)
        let rollback = Deploy(
            id: rollbackId, service: failed.service, environment: failed.environment, kind: .rollback,
            source: .slack, targetTag: good.targetTag, previousTag: failed.targetTag,
            sourceCommit: image?.sha ?? good.sourceCommit, author: image?.author ?? good.author,
            commitMessage: image?.message ?? good.commitMessage, requestedBy: AutoRollback.actor,
            requestedByName: "Slipway (automatic rollback)", channelId: failed.channelId,
            channelName: failed.channelName, createdAt: now)
        let created = try create(rollback, requiresApproval: false, origin: "auto-rollback:\(failed.id)", in: w)
        try w.append(
            AuditEvent(
                deployId: failed.id, service: failed.service, environment: failed.environment,
                actor: AutoRollback.actor,
                action: "auto-rollback", detail: "\(failed.targetTag) → \(good.targetTag) as \(created.id)",
                origin: "auto-rollback", at: now))
        return created
    }

    private func lockAfterFailure(_ failed: Deploy, reason: String, in w: any StoreWriter, now: Date) throws {
        let lock = EnvironmentLock(
            service: failed.service, environment: failed.environment, reason: reason, lockedBy: AutoRollback.actor,
            lockedAt: now)
        if try w.insertLock(lock) == nil {
            try w.append(
                AuditEvent(
                    deployId: failed.id, service: failed.service, environment: failed.environment,
                    actor: AutoRollback.actor, action: "locked", detail: reason, at: now))
        }
    }
}

extension DeployCoordinator {
    /// A new deploy of an environment with a canary starts in the canary phase, unless the requester asked to skip
    /// it (they then set a primary-track record already).
    func withCanaryPhase(_ deploy: Deploy) -> Deploy {
        guard deploy.kind == .deploy, deploy.verification == nil,
            catalog[deploy.target]?.canary != nil
        else { return deploy }
        var canary = deploy
        canary.verification = VerificationRecord(track: "canary")
        return canary
    }
}
