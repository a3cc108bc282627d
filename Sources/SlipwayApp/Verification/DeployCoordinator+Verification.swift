import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

extension DeployCoordinator {
    /// An approver's answer to an inconclusive verification: "Treat as passed" records the deploy as verified and
    /// green; "Roll back" fails it and commits the last verified (else last good) tag at once — the approver's click
    /// is the approval.
    /// - Parameter inApproverGroup: Whether `user` belongs to a user group among the approvers (looked up before).
    /// - Returns: The reply to the clicker.
    public func decideVerification(deployId: String, pass: Bool, user: String, inApproverGroup: Bool = false)
        throws -> String
    {
        let outcome = try store.write { w -> String in
            guard let deploy = try w.deploy(id: deployId) else {
                return "This button has expired: Slipway has no record of that deploy."
            }
            guard let env = catalog[deploy.target] else {
                return "`\(deploy.service)/\(deploy.environment)` is no longer configured."
            }
            guard
                env.mayApprove(user, requestedBy: deploy.requestedBy) || (inApproverGroup && user != deploy.requestedBy)
            else {
                return user == deploy.requestedBy
                    ? "You requested this deploy, so another approver must decide."
                    : "Only approvers of `\(deploy.service)/\(deploy.environment)` decide an inconclusive verification. Approvers: \(env.approvers.map(SlackText.approverMention).joined(separator: ", "))."
            }
            guard deploy.state == .verifying, var record = deploy.verification, record.verdict == .inconclusive else {
                return
                    "This verification is no longer waiting for a decision (the deploy is \(deploy.state.label)); nothing changed."
            }
            let now = clock()
            record.decidedBy = user
            record.decidedAt = now
            if pass {
                record.verdict = .treatedAsPassed
                let stored = try apply(.verification(record), to: deploy, actor: user, in: w)
                if stored.isCanaryPhase {
                    try apply(
                        .canaryPassed(summary: "treated as passed by <@\(user)>"), to: stored, actor: user, in: w)
                    return "The canary of `\(deploy.target)` is treated as passed; committing the primary."
                }
                try apply(.stable, to: stored, actor: user, in: w)
                return
                    "Recorded `\(SlackText.escape(deploy.targetTag))` as verified in `\(deploy.target)`; the inconclusive checks were treated as passed."
            }
            record.verdict = .failed
            if deploy.isCanaryPhase {
                // The verification monitor fails it and sets the canary back; the primary is not touched.
                try apply(.verification(record), to: deploy, actor: user, in: w)
                return "Failing the canary of `\(deploy.target)` and setting it back to the primary's tag."
            }
            let stored = try apply(.verification(record), to: deploy, actor: user, in: w)
            let failure = FailureRecord(
                cause: "verification_inconclusive",
                title: "Verification inconclusive; rolled back by decision of <@\(user)>",
                summary: "Values over the window:\n" + record.valuesText, runbook: "verification-failed.md")
            let failed = try apply(.fail(failure), to: stored, actor: user, in: w)
            if env.autoRollback { return "Rolling `\(deploy.target)` back to its last verified tag." }
            let history = try w.deploys(
                service: deploy.service, environment: deploy.environment, state: .succeeded, limit: 50)
            // The last verified tag, else the newest one that succeeded here (never one that failed or was rolled back).
            let recent = DeployHistory(
                currentTag: deploy.targetTag,
                deploys: try w.recentDeploys(service: deploy.service, environment: deploy.environment, limit: 100))
            guard
                let tag = AutoRollback.target(for: failed, history: history)?.targetTag
                    ?? recent.safeRollbackTarget(excluding: [deploy.targetTag])?.tag
            else {
                return
                    "Marked the deploy failed; Slipway knows no earlier good tag of `\(deploy.target)` to roll back to."
            }
            let rollback = Deploy(
                id: Identifiers.deployId(), service: deploy.service, environment: deploy.environment, kind: .rollback,
                source: .slack, targetTag: tag, previousTag: deploy.targetTag, requestedBy: user,
                channelId: deploy.channelId, channelName: deploy.channelName, createdAt: now)
            let created = try create(
                rollback, requiresApproval: false, origin: "verification-rollback:\(deploy.id)", in: w)
            return "Rolling `\(deploy.target)` back to `\(SlackText.escape(tag))` (`\(created.id)`)."
        }
        signal()
        return outcome
    }
}
