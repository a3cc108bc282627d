import Foundation

/// A click on Approve or Deny of a request waiting for approval: the planner's input for approval decisions.
public struct ApprovalClick: Sendable, Equatable {
    public var approve: Bool
    /// Slack user id of whoever clicked.
    public var user: String
    /// Whether `user` belongs to a Slack user group among the environment's approvers (looked up by the caller,
    /// which may ask Slack).
    public var inApproverGroup: Bool
    /// Who approved this request before, oldest first.
    public var earlierApprovers: [String]

    public init(approve: Bool, user: String, inApproverGroup: Bool = false, earlierApprovers: [String] = []) {
        self.approve = approve
        self.user = user
        self.inApproverGroup = inApproverGroup
        self.earlierApprovers = earlierApprovers
    }
}

/// What a click on Approve or Deny does.
public enum ApprovalDecision: Sendable, Equatable {
    /// Nothing changes; the reason is for the clicker.
    case refuse(ApprovalRefusal)
    /// The request's time ran out: it expires now, and the clicker is told.
    case expire
    /// An approval is recorded, but more are needed (`approvalsRequired`).
    case progress(have: Int, needed: Int)
    /// The last approval needed: the deploy goes ahead.
    case approve
    case deny
}

/// Why a click changes nothing. Rendered for Slack by the caller; no markup here.
public enum ApprovalRefusal: Sendable, Equatable {
    /// The request is no longer waiting (approved, denied, superseded …).
    case notPending(DeployState)
    /// The clicker asked for it: someone else must approve.
    case ownRequest(DeployKind)
    /// The clicker is not among the approvers (user ids or user groups; empty when none are configured).
    case notApprover(approvers: [String])
    /// The clicker approved this request already; it still needs that many approvals from others.
    case alreadyApproved(stillNeeded: Int)
}

extension DeployPlanner {
    /// Decides a click on Approve or Deny of `deploy`.
    ///
    /// Anyone may withdraw (deny) their own request; otherwise only an approver who is not the requester decides.
    /// Where `approvalsRequired` is above one, each distinct approver's click is recorded until enough have
    /// approved; one deny ends the request.
    /// - Parameters:
    ///   - click: Who clicked which button, and who approved before.
    ///   - deploy: The request as stored now.
    ///   - environment: Its environment's configuration.
    ///   - now: The clock.
    /// - Returns: refuse, expire, progress, approve or deny.
    public func decide(_ click: ApprovalClick, on deploy: Deploy, environment env: EnvironmentEntry, now: Date)
        -> ApprovalDecision
    {
        guard deploy.state == .awaitingApproval, let approval = deploy.approval else {
            return .refuse(.notPending(deploy.state))
        }
        if approval.expiresAt <= now { return .expire }
        let own = click.user == deploy.requestedBy
        if own {
            // Withdrawing one's own request is always allowed; approving it never is.
            return click.approve ? .refuse(.ownRequest(deploy.kind)) : .deny
        }
        guard env.mayApprove(click.user, requestedBy: deploy.requestedBy) || click.inApproverGroup else {
            return .refuse(.notApprover(approvers: env.approvers))
        }
        guard click.approve else { return .deny }
        let needed = env.approvalsPerRequest
        let earlier = click.earlierApprovers.filter { $0 != deploy.requestedBy }
        if earlier.contains(click.user) {
            return .refuse(.alreadyApproved(stillNeeded: max(1, needed - Set(earlier).count)))
        }
        let have = Set(earlier).count + 1
        return have < needed ? .progress(have: have, needed: needed) : .approve
    }
}
