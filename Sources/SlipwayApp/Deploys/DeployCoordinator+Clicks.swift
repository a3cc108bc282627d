import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// What became of an Approve or Deny click.
public enum ApprovalClickResult: Sendable {
    /// No request has that button's token.
    case unknownToken
    /// The request's environment is gone from the configuration.
    case notConfigured(Deploy)
    /// Nothing changed; the planner's reason.
    case refused(ApprovalRefusal, Deploy)
    /// The request had timed out: it expired now.
    case expired(Deploy)
    /// The approval is recorded; more are needed.
    case progress(Deploy, have: Int, needed: Int)
    /// Approved (the deploy goes ahead) or denied.
    case decided(Deploy)
}

extension DeployCoordinator {
    /// The request waiting behind an Approve/Deny button, and its environment's approvers (for the user-group lookup
    /// the caller makes before `click`).
    public func approvers(ofRequestWithToken token: String) throws -> [String]? {
        try store.read { r in try r.deploy(approvalToken: token) }.flatMap {
            catalog[$0.target]?.approvers
        }
    }

    /// Carries out an Approve or Deny click in one transaction: `DeployPlanner.decide` rules, the state machine
    /// records, and the request's message follows — replaced through the click's `response_url` where the request
    /// lives there, else edited as the deploy's own message.
    /// - Parameters:
    ///   - token: The button's opaque value.
    ///   - approve: Approve (true) or Deny.
    ///   - user: Who clicked.
    ///   - inApproverGroup: Whether they belong to a user group among the approvers (looked up beforehand).
    ///   - responseURL: The click's `response_url`, if any.
    /// - Returns: what happened, for the clicker's reply.
    public func click(token: String, approve: Bool, user: String, inApproverGroup: Bool, responseURL: String?)
        throws -> ApprovalClickResult
    {
        let now = clock()
        func replacement(_ message: SlackMessage, key: String) -> OutboxMessage? {
            guard let responseURL else { return nil }
            var message = message
            message.replaceOriginal = true
            return OutboxMessage(
                key: key, deployId: nil, target: .response(ResponseURL(responseURL)),
                payload: OutboxPayload(message: message).encoded(), createdAt: now)
        }
        let result = try store.write { w -> ApprovalClickResult in
            guard let deploy = try w.deploy(approvalToken: token) else { return .unknownToken }
            guard let env = catalog[deploy.target] else {
                return .notConfigured(deploy)
            }
            let earlier = try w.auditEvents(deployId: deploy.id).filter { $0.action == "approved-by" }.map(\.actor)
            let click = ApprovalClick(
                approve: approve, user: user, inApproverGroup: inApproverGroup, earlierApprovers: earlier)
            let inResponse = outbox.approvalResponseURL(for: deploy) != nil
            switch planner.decide(click, on: deploy, environment: env, now: now) {
            case .refuse(let refusal):
                return .refused(refusal, deploy)
            case .expire:
                // The update of the request's message (buttons gone, why shown) follows the transition.
                return .expired(try apply(.expireApproval, to: deploy, actor: "slipway", in: w))
            case .progress(let have, let needed):
                try w.append(
                    AuditEvent(
                        deployId: deploy.id, service: deploy.service, environment: deploy.environment, actor: user,
                        action: "approved-by", detail: "\(have) of \(needed)", at: now))
                let progressed = try apply(
                    .approvalProgress(by: user, have: have, needed: needed), to: deploy, actor: user, in: w)
                if !inResponse {
                    try w.enqueue(outbox.approvalProgress(for: progressed, have: have, now: now))
                } else if let message = replacement(
                    outbox.renderer.approvalRequest(
                        for: progressed, approvers: env.approvers, needed: needed, approvedBy: earlier + [user]),
                    key: "\(deploy.id):approval:\(have)")
                {
                    try w.enqueue(message)
                }
                return .progress(progressed, have: have, needed: needed)
            case .approve:
                let have = Set(earlier).count + 1
                try w.append(
                    AuditEvent(
                        deployId: deploy.id, service: deploy.service, environment: deploy.environment, actor: user,
                        action: "approved-by", detail: "\(have) of \(have)", at: now))
            case .deny:
                break
            }
            let decided = try apply(approve ? .approve(by: user) : .deny(by: user), to: deploy, actor: user, in: w)
            // A request that is the deploy's own message is edited by the transition's update instead.
            if inResponse,
                let message = replacement(outbox.renderer.approvalDecided(for: decided), key: "\(deploy.id):decided")
            {
                try w.enqueue(message)
            }
            return .decided(decided)
        }
        signal()
        return result
    }

    /// A stored deploy, e.g. the failed one behind a Rollback button.
    public func deploy(id: String) throws -> Deploy? {
        try store.read { r in try r.deploy(id: id) }
    }

    /// Queues a private note to `user` in `channel` (`chat.postEphemeral`).
    public func tell(_ user: String, in channel: String, _ message: SlackMessage, key: String) throws {
        let now = clock()
        try store.write { w in
            _ = try w.enqueue(
                OutboxMessage(
                    key: key, deployId: nil, target: .ephemeralMessage,
                    payload: OutboxPayload(user: user, channel: channel, message: message).encoded(), createdAt: now))
        }
        outboxAvailable.signal()
    }

    /// Queues a reply to a `response_url` (a click's or a command's), delivered by the outbox.
    /// - Parameter key: The outbox key: one reply per key.
    public func respond(_ message: SlackMessage, to url: String, key: String, deployId: String? = nil) throws {
        let now = clock()
        try store.write { w in
            _ = try w.enqueue(
                OutboxMessage(
                    key: key, deployId: deployId, target: .response(ResponseURL(url)),
                    payload: OutboxPayload(message: message).encoded(), createdAt: now))
        }
        outboxAvailable.signal()
    }
}
