import DeployCore
import SlipwaySlack

/// What one outbox message asks Slipway to send, read from its target and payload.
enum OutboxDelivery {
    /// Post or edit the deploy's one message.
    case deployMessage(deployId: String)
    /// DM the deploy's failure summary to `user`.
    case directMessage(user: String, deployId: String)
    case channelMessage(channel: String, SlackMessage)
    case ephemeralMessage(channel: String, user: String, SlackMessage)
    case response(ResponseURL, SlackMessage)
    case page(PagerDutySender.Action, deployId: String)
    /// Post a step of the deploy's log in its message's thread.
    case threadReply(deployId: String, SlackMessage)

    /// - Throws: a permanent `DeliveryFailure` when the payload does not hold what the target needs.
    init(_ message: OutboxMessage) throws {
        let payload: OutboxPayload
        do {
            payload = try OutboxPayload.decode(message.payload)
        } catch {
            throw DeliveryFailure.permanent("corrupt outbox payload")
        }
        switch message.target {
        case .deployMessage:
            guard let deployId = payload.deployId else { throw DeliveryFailure.permanent("deploy ? not found") }
            self = .deployMessage(deployId: deployId)
        case .directMessage:
            guard let user = payload.user, let deployId = payload.deployId else {
                throw DeliveryFailure.permanent("DM without user or deploy")
            }
            self = .directMessage(user: user, deployId: deployId)
        case .channelMessage:
            guard let channel = payload.channel, let body = payload.message else {
                throw DeliveryFailure.permanent("post without channel or message")
            }
            self = .channelMessage(channel: channel, body)
        case .ephemeralMessage:
            guard let channel = payload.channel, let user = payload.user, let body = payload.message else {
                throw DeliveryFailure.permanent("ephemeral without channel, user or message")
            }
            self = .ephemeralMessage(channel: channel, user: user, body)
        case .response(let url):
            guard let body = payload.message else { throw DeliveryFailure.permanent("response without message") }
            self = .response(url, body)
        case .pageTrigger, .pageResolve:
            guard let deployId = payload.deployId else { throw DeliveryFailure.permanent("deploy not found") }
            self = .page(message.target == .pageTrigger ? .trigger : .resolve, deployId: deployId)
        case .threadReply:
            guard let deployId = payload.deployId, let body = payload.message else {
                throw DeliveryFailure.permanent("thread reply without deploy or message")
            }
            self = .threadReply(deployId: deployId, body)
        case .unrecognized:
            throw DeliveryFailure.permanent("unknown outbox target \(message.target)")
        }
    }
}
