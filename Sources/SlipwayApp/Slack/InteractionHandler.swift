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
                let deployId = action.value ?? ""
                // Group membership is looked up before the transaction (it may call Slack).
                let approvers = try coordinator.deploy(id: deployId).flatMap {
                    coordinator.catalog[$0.target]?.approvers
                }
                let inGroup = approvers.map { isGroupMember(user, of: $0).member } ?? false
                return reply(
                    payload,
                    try coordinator.decideVerification(
                        deployId: deployId, pass: pass, user: user, inApproverGroup: inGroup))
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
        // Group membership is looked up before the transaction (it may call Slack).
        let approvers = try coordinator.approvers(ofRequestWithToken: token)
        let membership = approvers.map { isGroupMember(user, of: $0) } ?? (member: false, problems: [])
        switch try coordinator.click(
            token: token, approve: approve, user: user, inApproverGroup: membership.member,
            responseURL: payload.responseURL)
        {
        case .unknownToken:
            return reply(payload, "This button has expired: Slipway has no pending request for it.")
        case .notConfigured(let deploy):
            return reply(payload, "`\(deploy.service)/\(deploy.environment)` is no longer configured.")
        case .refused(let refusal, let deploy):
            return reply(payload, Self.text(refusal, deploy: deploy, problems: membership.problems))
        case .expired:
            return reply(payload, "This approval request expired; ask the requester to run the command again.")
        case .progress(_, let have, let needed):
            return reply(
                payload,
                "✅ Your approval is recorded: \(have) of \(needed) approvals. Waiting for \(needed - have) more.")
        case .decided(let deploy):
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
        guard let failed = try coordinator.deploy(id: deployId) else {
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
            try? coordinator.respond(message, to: url, key: key)
        }
        return message
    }
}
