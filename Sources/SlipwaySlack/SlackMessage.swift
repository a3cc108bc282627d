/// A Slack message: fallback text plus Block Kit blocks, as posted with `chat.postMessage`, `chat.update`,
/// `chat.postEphemeral`, a `response_url` or a slash-command acknowledgement.
public struct SlackMessage: Sendable, Hashable, Codable {
    /// Who sees a slash-command reply.
    public enum ResponseType: String, Sendable, Hashable, Codable {
        /// Only the invoking user.
        case ephemeral
        /// Everyone in the channel.
        case inChannel = "in_channel"
    }

    /// Fallback text for notifications and clients without blocks (mrkdwn; escape user-supplied parts).
    public let text: String
    /// At most 50 blocks.
    public let blocks: [SlackBlock]
    /// For slash-command and `response_url` replies; ignored by `chat.*` methods.
    public var responseType: ResponseType?
    /// For `response_url` replies: replace the message that held the button.
    public var replaceOriginal: Bool?

    /// - Parameters:
    ///   - text: Fallback text (cut to 40 000 characters).
    ///   - blocks: Blocks; beyond 50, the first 49 are kept and a context block says how many were left out.
    ///   - responseType: For slash-command replies.
    ///   - replaceOriginal: For `response_url` replies.
    public init(
        text: String, blocks: [SlackBlock] = [], responseType: ResponseType? = nil, replaceOriginal: Bool? = nil
    ) {
        self.text = SlackText.truncate(text, to: BlockKitLimits.messageText)
        if blocks.count > BlockKitLimits.blocksPerMessage {
            let kept = BlockKitLimits.blocksPerMessage - 1
            self.blocks = Array(blocks.prefix(kept)) + [.context(["…\(blocks.count - kept) more items not shown"])]
        } else {
            self.blocks = blocks
        }
        self.responseType = responseType
        self.replaceOriginal = replaceOriginal
    }

    /// A reply only the invoking user sees.
    public static func ephemeral(_ text: String, blocks: [SlackBlock] = []) -> SlackMessage {
        SlackMessage(text: text, blocks: blocks, responseType: .ephemeral)
    }

    /// A reply everyone in the channel sees.
    public static func inChannel(_ text: String, blocks: [SlackBlock] = []) -> SlackMessage {
        SlackMessage(text: text, blocks: blocks, responseType: .inChannel)
    }

    private enum CodingKeys: String, CodingKey {
        case text, blocks
        case responseType = "response_type"
        case replaceOriginal = "replace_original"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            text: try container.decode(String.self, forKey: .text),
            blocks: try container.decodeIfPresent([SlackBlock].self, forKey: .blocks) ?? [],
            responseType: try container.decodeIfPresent(ResponseType.self, forKey: .responseType),
            replaceOriginal: try container.decodeIfPresent(Bool.self, forKey: .replaceOriginal))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        if !blocks.isEmpty { try container.encode(blocks, forKey: .blocks) }
        try container.encodeIfPresent(responseType, forKey: .responseType)
        try container.encodeIfPresent(replaceOriginal, forKey: .replaceOriginal)
    }
}
