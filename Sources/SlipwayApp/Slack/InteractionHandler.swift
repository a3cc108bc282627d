import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import Synchronization

/// Handles button clicks: Approve, Deny, and Roll back. Button values are opaque ids looked up in the store.
/// Replies to the clicker go through `response_url` (ephemeral, via the outbox); the HTTP answer is the same text.
public struct InteractionHandler: Sendable {
    let coordinator: DeployCoordinator
    let commands: CommandHandler
    let renderer: DeployMessageRenderer

    /// Resolves Slack user groups (`S…`) among an environment's approvers; nil: only listed users approve.
    let usergroups: UsergroupDirectory?

    public init(
        coordinator: DeployCoordinator, commands: CommandHandler, renderer: DeployMessageRenderer,
        usergroups: UsergroupDirectory? = nil
    ) {
        self.coordinator = coordinator
        self.commands = commands
        self.renderer = renderer
        self.usergroups = usergroups
    }

    /// Whether `user` is a member of a user group among `approvers`. Runs on the HTTP thread (never the cooperative
    /// pool) and waits at most 2 s, inside Slack's 3 s: the directory caches members, so this is a lookup.
    /// - Returns: whether they are, and why it could not be told for groups that did not resolve.
    func isGroupMember(_ user: String, of approvers: [String]) -> (member: Bool, problems: [String]) {
        guard let usergroups, approvers.contains(where: UsergroupDirectory.isUsergroup) else { return (false, []) }
        let answer = Mutex<(Bool, [String])?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result = await usergroups.isListed(user, in: approvers)
            answer.withLock { $0 = (result.listed, result.unresolved.map(\.description)) }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 2)
        return answer.withLock { $0 }
            ?? (false, ["Slack did not answer in time to check the approvers' user groups; click again in a moment."])
    }

    /// A submitted modal (`view_submission`): the deploy form goes through the typed `/deploy`'s code.
    public func handleViewSubmission(_ payload: InteractionPayload, json: [UInt8]) -> HTTPResponse {
        guard let modal = commands.deployModal else { return HTTPResponse(status: 200) }
        return modal.submit(payload, json: json, commands: commands)
    }

    /// Routes a block_actions payload by `action_id`.
    public func handle(_ payload: InteractionPayload) -> SlackMessage {
        guard payload.type == "block_actions", let action = payload.firstAction else {
            return reply(payload, "This interaction is not supported by Slipway.")
        }
        let user = payload.user.id
        do {
            switch action.actionId {
            case ActionID.approve, ActionID.deny:
                return try decide(
                    payload, token: action.value ?? "", approve: action.actionId == ActionID.approve, user: user)
            case ActionID.rollback:
                return try rollback(payload, deployId: action.value ?? "", user: user)
            case ActionID.verificationPass, ActionID.verificationRollback:
                let pass = action.actionId == ActionID.verificationPass
                return reply(payload, try decideVerification(deployId: action.value ?? "", pass: pass, user: user))
            default:
                return reply(
                    payload, "This button has expired. Run the command again, e.g. `\(commands.names.status)`.")
            }
        } catch let error as TransitionError {
            return reply(payload, error.message)
        } catch let refusal as CommandHandler.Refusal {
            return reply(payload, refusal.message)
        } catch let error as CatalogError {
            return reply(payload, SlackText.escape(error.message))
        } catch {
            return reply(payload, "Slipway could not record that click (\(error)). Nothing changed; try again.")
        }
    }

    private func decide(_ payload: InteractionPayload, token: String, approve: Bool, user: String) throws
        -> SlackMessage
    {
        let now = coordinator.clock()
        var progress: String?
        // Group membership is looked up before the transaction (it may call Slack).
        let approvers = try coordinator.store.read { r in try r.deploy(approvalToken: token) }.flatMap {
            coordinator.catalog.services[$0.service]?.environments[$0.environment]?.approvers
        }
        let membership = approvers.map { isGroupMember(user, of: $0) } ?? (member: false, problems: [])
        let inGroup = membership.member
        let outcome = try coordinator.store.write { w -> Result<Deploy, CommandHandler.Refusal> in
            progress = nil
            guard let deploy = try w.deploy(approvalToken: token) else {
                return .failure(.init(message: "This button has expired: Slipway has no pending request for it."))
            }
            guard let env = coordinator.catalog.services[deploy.service]?.environments[deploy.environment] else {
                return .failure(.init(message: "`\(deploy.service)/\(deploy.environment)` is no longer configured."))
            }
            let earlier = try w.auditEvents(deployId: deploy.id).filter { $0.action == "approved-by" }.map(\.actor)
            let click = ApprovalClick(
                approve: approve, user: user, inApproverGroup: inGroup, earlierApprovers: earlier)
            switch coordinator.planner.decide(click, on: deploy, environment: env, now: now) {
            case .refuse(let refusal):
                return .failure(
                    .init(message: Self.text(refusal, deploy: deploy, problems: membership.problems)))
            case .expire:
                // The coordinator updates the request's message (buttons gone, why shown).
                _ = try coordinator.apply(.expireApproval, to: deploy, actor: "slipway", in: w)
                return .failure(
                    .init(message: "This approval request expired; ask the requester to run the command again."))
            case .progress(let have, let needed):
                try w.append(
                    AuditEvent(
                        deployId: deploy.id, service: deploy.service, environment: deploy.environment, actor: user,
                        action: "approved-by", detail: "\(have) of \(needed)", at: now))
                let progressed = try coordinator.apply(
                    .approvalProgress(by: user, have: have, needed: needed), to: deploy, actor: user, in: w)
                if coordinator.outbox.approvalResponseURL(for: deploy) == nil {
                    try w.enqueue(coordinator.outbox.approvalProgress(for: progressed, have: have, now: now))
                } else {
                    var message = renderer.approvalRequest(
                        for: progressed, approvers: env.approvers, needed: needed, approvedBy: earlier + [user])
                    message.replaceOriginal = true
                    if let m = replaceOriginal(payload, message, key: "\(deploy.id):approval:\(have)") {
                        try w.enqueue(m)
                    }
                }
                progress =
                    "✅ Your approval is recorded: \(have) of \(needed) approvals. Waiting for \(needed - have) more."
                return .success(progressed)
            case .approve:
                try w.append(
                    AuditEvent(
                        deployId: deploy.id, service: deploy.service, environment: deploy.environment, actor: user,
                        action: "approved-by", detail: "\(Set(earlier).count + 1) of \(Set(earlier).count + 1)",
                        at: now))
            case .deny:
                break
            }
            let decided = try coordinator.apply(
                approve ? .approve(by: user) : .deny(by: user), to: deploy, actor: user, in: w)
            // A request that is the deploy's own message is edited by the coordinator's update instead.
            if coordinator.outbox.approvalResponseURL(for: deploy) != nil,
                let m = replaceOriginal(payload, renderer.approvalDecided(for: decided), key: "\(deploy.id):decided")
            {
                try w.enqueue(m)
            }
            return .success(decided)
        }
        coordinator.signal()
        switch outcome {
        case .failure(let refusal):
            return reply(payload, refusal.message)
        case .success(let deploy):
            if let progress { return reply(payload, progress) }
            return SlackMessage(text: DeployMessageRenderer.plain(renderer.approvalDecided(for: deploy).text))
        }
    }

    /// The clicker's explanation of a refused approval click.
    static func text(_ refusal: ApprovalRefusal, deploy: Deploy, problems: [String]) -> String {
        switch refusal {
        case .notPending(let state):
            if let approval = deploy.approval, let by = approval.decidedBy, let approved = approval.approved {
                return
                    "This request was already \(approved ? "approved" : "denied") by \(SlackText.mention(userId: by)); it is \(state.label) now."
            }
            return "This request is no longer waiting for approval: it is \(state.label)."
        case .ownRequest(let kind):
            return "You requested this \(kind.rawValue), so someone else must approve it."
        case .notApprover(let approvers):
            return
                "You are not an approver for `\(deploy.service)/\(deploy.environment)`. Approvers: \(approvers.isEmpty ? "none are configured; ask the platform team" : approvers.map(SlackText.approverMention).joined(separator: ", "))."
                + problems.map { " " + SlackText.escape($0) }.joined()
        case .alreadyApproved(let stillNeeded):
            return
                "You already approved this request; it needs \(stillNeeded) more approval\(stillNeeded == 1 ? "" : "s") from other approvers."
        }
    }

    private func rollback(_ payload: InteractionPayload, deployId: String, user: String) throws -> SlackMessage {
        guard let failed = try coordinator.store.read({ r in try r.deploy(id: deployId) }) else {
            return reply(payload, "This button has expired: Slipway has no record of that deploy.")
        }
        let who = CommandInvocation(
            userId: user, userName: payload.user.username,
            channelId: payload.channel?.id ?? payload.container?.channelId,
            channelName: payload.channel?.name, responseURL: nil)
        let request = DeployRequest(
            kind: .rollback, origin: .rollbackButton(failedDeployId: failed.id, failedTag: failed.targetTag),
            tag: nil, requestedBy: user)
        let details = DeployRequestDetails(
            service: failed.service, environment: failed.environment, requestedByName: who.userName,
            channelId: who.channelId, channelName: who.channelName, origin: "slack:" + (who.channelId ?? "?"))
        switch try coordinator.submit(request, details: details) {
        case .refused(let refusal):
            return reply(
                payload,
                refusal.slackText(service: failed.service, environment: failed.environment, names: commands.names))
        case .created(let created), .recorded(let created, _):
            let approval =
                created.state == .awaitingApproval ? "; it needs an approver other than you" : "; it is on its way"
            return reply(
                payload,
                "Rollback of `\(created.service)/\(created.environment)` to `\(SlackText.escape(created.targetTag))` requested (`\(created.id)`)\(approval)."
            )
        }
    }

    /// An ephemeral reply to the clicker, delivered through `response_url`, and returned for the HTTP answer.
    private func reply(_ payload: InteractionPayload, _ text: String) -> SlackMessage {
        let message = SlackMessage(text: text, blocks: [], responseType: .ephemeral, replaceOriginal: false)
        if let url = payload.responseURL {
            let key = "click:\(payload.triggerId ?? payload.firstAction?.actionTs ?? UUID().uuidString)"
            _ = try? coordinator.store.write { w in
                try w.enqueue(
                    OutboxMessage(
                        key: key, deployId: nil, target: .response(ResponseURL(url)),
                        payload: OutboxPayload(message: message).encoded(), createdAt: coordinator.clock()))
            }
            coordinator.outboxAvailable.signal()
        }
        return message
    }

    private func replaceOriginal(_ payload: InteractionPayload, _ message: SlackMessage, key: String) -> OutboxMessage?
    {
        let now = coordinator.clock()
        guard let url = payload.responseURL else { return nil }
        return OutboxMessage(
            key: key, deployId: nil, target: .response(ResponseURL(url)),
            payload: OutboxPayload(message: message).encoded(), createdAt: now)
    }
}
