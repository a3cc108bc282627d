/// The kind of place an outbox message goes to: the `destination` label of the outbox metrics. Unlike
/// `OutboxTarget` it carries no address, so a handful of values cover every message.
public enum OutboxDestination: String, Sendable, Hashable, CaseIterable {
    /// The deploy's message in the deploy channel (posted, then updated).
    case deployMessage = "deploy_message"
    /// A DM to the on-call engineer.
    case directMessage = "direct_message"
    /// A message posted in a channel.
    case channelMessage = "channel_message"
    /// A message only one user sees.
    case ephemeral
    /// A reply through a slash command's or a click's `response_url`.
    case responseURL = "response_url"
    /// A PagerDuty trigger or resolve event.
    case pagerDuty = "pagerduty"
    /// A target stored by a version of Slipway that this one does not know.
    case unrecognized
}

extension OutboxTarget {
    /// Where this message goes, without its address.
    public var destination: OutboxDestination {
        switch self {
        case .deployMessage: .deployMessage
        case .directMessage: .directMessage
        case .channelMessage, .threadReply: .channelMessage
        case .ephemeralMessage: .ephemeral
        case .response: .responseURL
        case .pageTrigger, .pageResolve: .pagerDuty
        case .unrecognized: .unrecognized
        }
    }
}
