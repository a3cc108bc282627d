import Foundation

/// Where an outbox message goes. The store keeps it in the outbox row's `channel` and `target` columns.
///
/// The DM's user and the post's channel are named in the message's payload, where earlier versions of Slipway
/// also look for them.
public enum OutboxTarget: Sendable, Hashable {
    /// The deploy's one message in the deploy channel: posted once, then edited as the deploy moves on.
    case deployMessage
    /// A DM with the deploy's failure summary to the user the payload names.
    case directMessage
    /// A message posted in the channel the payload names.
    case channelMessage
    /// A message that only the payload's user sees, in the payload's channel.
    case ephemeralMessage
    /// A reply through the `response_url` of a slash command or a click.
    case response(ResponseURL)
    /// Opens a PagerDuty incident for the deploy.
    case pageTrigger
    /// Resolves the deploy's PagerDuty incident.
    case pageResolve
    /// A step of the deploy's log, posted in the thread of the deploy's message (`slack.threadLog`).
    case threadReply
    /// A target stored by a version of Slipway that this one does not know: delivering it fails permanently, and
    /// `/status` shows it.
    case unrecognized(channel: String, target: String)

    /// The service that delivers it, or nil for an unrecognized channel.
    public var channel: OutboxChannel? {
        switch self {
        case .deployMessage, .directMessage, .channelMessage, .ephemeralMessage, .threadReply: .slack
        case .response: .slackResponse
        case .pageTrigger, .pageResolve: .pagerDuty
        case .unrecognized(let channel, _): OutboxChannel(rawValue: channel)
        }
    }
}

extension OutboxTarget: CustomStringConvertible, CustomDebugStringConvertible {
    /// How `/status` and logs name the target: the Slack method or PagerDuty action, and `response_url` for a
    /// reply (never the URL itself).
    public var description: String {
        switch self {
        case .deployMessage: "deploy.message"
        case .directMessage: "dm"
        case .channelMessage: "chat.postMessage"
        case .ephemeralMessage: "chat.postEphemeral"
        case .response: "response_url"
        case .pageTrigger: "trigger"
        case .pageResolve: "resolve"
        case .threadReply: "thread.reply"
        case .unrecognized(_, let target):
            // An unknown target may be a URL, perhaps a credential too: name its host at most.
            target.contains("://") ? "URL at \(URLComponents(string: target)?.host ?? "?")" : target
        }
    }

    public var debugDescription: String { description }
}

/// A Slack `response_url`: a credential for 30 minutes (five replies to the user's channel without a token). Its
/// `description` never shows it; pass `url` only to the HTTP client.
public struct ResponseURL: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The URL itself.
    public let url: String

    public init(_ url: String) {
        self.url = url
    }

    public var description: String { "response_url" }
    public var debugDescription: String { "response_url" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
