import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// Handles button clicks: Approve, Deny, and Roll back. Button values are opaque ids looked up in the store.
/// Replies to the clicker go through `response_url` (ephemeral, via the outbox); the HTTP answer is the same text.
public struct InteractionHandler: Sendable {
    let coordinator: DeployCoordinator
    let commands: CommandHandler
    let renderer: DeployMessageRenderer

    public init(coordinator: DeployCoordinator, commands: CommandHandler, renderer: DeployMessageRenderer) {
        self.coordinator = coordinator
        self.commands = commands
        self.renderer = renderer
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
        let outcome = try coordinator.store.write { w -> Result<Deploy, CommandHandler.Refusal> in
            guard let deploy = try w.deploy(approvalToken: token) else {
                return .failure(.init(message: "This button has expired: Slipway has no pending request for it."))
            }
            guard let env = coordinator.catalog.services[deploy.service]?.environments[deploy.environment] else {
                return .failure(.init(message: "`\(deploy.service)/\(deploy.environment)` is no longer configured."))
            }
            if deploy.state == .awaitingApproval, let approval = deploy.approval, approval.expiresAt <= now {
                let expired = try coordinator.apply(.expireApproval, to: deploy, actor: "slipway", in: w)
                if let m = replaceOriginal(payload, renderer.approvalDecided(for: expired), key: "\(deploy.id):decided")
                {
                    try w.enqueue(m)
                }
                return .failure(
                    .init(message: "This approval request expired; ask the requester to run the command again."))
            }
            if approve || deploy.requestedBy != user {
                guard env.mayApprove(user, requestedBy: deploy.requestedBy) else {
                    let reason =
                        user == deploy.requestedBy
                        ? "You requested this \(deploy.kind.rawValue), so someone else must approve it."
                        : "You are not an approver for `\(deploy.service)/\(deploy.environment)`. Approvers: \(env.approvers.map { SlackText.mention(userId: $0) }.joined(separator: ", "))."
                    return .failure(.init(message: reason))
                }
            }
            let decided = try coordinator.apply(
                approve ? .approve(by: user) : .deny(by: user), to: deploy, actor: user, in: w)
            if let m = replaceOriginal(payload, renderer.approvalDecided(for: decided), key: "\(deploy.id):decided") {
                try w.enqueue(m)
            }
            return .success(decided)
        }
        coordinator.signal()
        switch outcome {
        case .failure(let refusal):
            return reply(payload, refusal.message)
        case .success(let deploy):
            return SlackMessage(text: DeployMessageRenderer.plain(renderer.approvalDecided(for: deploy).text))
        }
    }

    private func rollback(_ payload: InteractionPayload, deployId: String, user: String) throws -> SlackMessage {
        guard let failed = try coordinator.store.read({ r in try r.deploy(id: deployId) }) else {
            return reply(payload, "This button has expired: Slipway has no record of that deploy.")
        }
        let (svc, env) = try coordinator.catalog.resolve(service: failed.service, environment: failed.environment)
        guard env.mayDeploy(user) else {
            return reply(payload, "You are not allowed to roll back `\(svc.name)/\(env.name)`.")
        }
        let who = CommandInvocation(
            userId: user, userName: payload.user.username,
            channelId: payload.channel?.id ?? payload.container?.channelId,
            channelName: payload.channel?.name, responseURL: nil)
        let created = try coordinator.store.write { w -> Deploy in
            let record = try w.environment(service: svc.name, environment: env.name)
            let history = try w.deploys(service: svc.name, environment: env.name, state: .succeeded, limit: 50)
            let current = record?.currentTag ?? failed.targetTag
            guard let tag = LastKnownGood.tag(current: current, history: history) ?? failed.previousTag else {
                throw CommandHandler.Refusal(
                    message:
                        "Slipway knows no earlier good tag of `\(svc.name)/\(env.name)`; use `\(commands.names.rollback) \(svc.name) \(env.name) &lt;tag&gt;`."
                )
            }
            return try commands.createRollback(svc: svc, env: env, tag: tag, by: who, in: w)
        }
        coordinator.signal()
        return reply(
            payload,
            "Rollback of `\(svc.name)/\(env.name)` to `\(SlackText.escape(created.targetTag))` requested (`\(created.id)`); it needs an approver other than you."
        )
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
