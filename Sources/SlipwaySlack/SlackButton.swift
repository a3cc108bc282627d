/// A Block Kit button.
///
/// The label is cut to fit; `action_id`, `value` and `url` come from the bot itself, so exceeding their limits is a
/// programming error and traps.
public struct SlackButton: Sendable, Hashable, Codable {
    /// A button colour.
    public enum Style: String, Sendable, Hashable, Codable {
        case primary
        case danger
    }

    /// Plain-text label, at most 75 characters (cut otherwise).
    public let text: String
    /// Identifies the action in the interaction payload; at most 255 characters.
    public let actionId: String
    /// Opaque value sent back on click; at most 2000 characters.
    public let value: String?
    /// Colour; nil is Slack's default grey.
    public let style: Style?
    /// A link to open on click (at most 3000 characters); the click is still reported.
    public let url: String?
    /// A confirmation dialog shown before the action is sent.
    public let confirm: SlackConfirmDialog?

    /// - Parameters:
    ///   - text: Label (plain text, not interpreted).
    ///   - actionId: Action identifier, at most 255 characters.
    ///   - value: Value sent back on click, at most 2000 characters.
    ///   - style: `.primary` or `.danger`.
    ///   - url: A link to open, at most 3000 characters.
    ///   - confirm: A confirmation dialog.
    /// - Precondition: `actionId`, `value` and `url` are within their limits and `actionId` is not empty.
    public init(
        text: String, actionId: String, value: String? = nil, style: Style? = nil, url: String? = nil,
        confirm: SlackConfirmDialog? = nil
    ) {
        precondition(
            !actionId.isEmpty && SlackText.length(actionId) <= BlockKitLimits.actionId,
            "action_id must be 1...\(BlockKitLimits.actionId) characters")
        precondition(
            value.map { SlackText.length($0) <= BlockKitLimits.buttonValue } ?? true,
            "button value must be at most \(BlockKitLimits.buttonValue) characters")
        precondition(
            url.map { SlackText.length($0) <= BlockKitLimits.buttonURL } ?? true,
            "button url must be at most \(BlockKitLimits.buttonURL) characters")
        self.text = SlackText.truncate(text, to: BlockKitLimits.buttonText, marker: "…")
        self.actionId = actionId
        self.value = value
        self.style = style
        self.url = url
        self.confirm = confirm
    }

    private enum CodingKeys: String, CodingKey {
        case type, text, style, url, confirm, value
        case actionId = "action_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        guard type == "button" else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "not a button")
        }
        guard let actionId = try container.decodeLimited(.actionId, limit: BlockKitLimits.actionId),
            !actionId.isEmpty
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .actionId, in: container, debugDescription: "missing action_id")
        }
        self.init(
            text: try container.decodeText(.text, type: BlockKitTextObject.plainTextType),
            actionId: actionId,
            value: try container.decodeLimited(.value, limit: BlockKitLimits.buttonValue),
            style: try container.decodeIfPresent(Style.self, forKey: .style),
            url: try container.decodeLimited(.url, limit: BlockKitLimits.buttonURL),
            confirm: try container.decodeIfPresent(SlackConfirmDialog.self, forKey: .confirm))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("button", forKey: .type)
        try container.encode(BlockKitTextObject.plain(text), forKey: .text)
        try container.encode(actionId, forKey: .actionId)
        try container.encodeIfPresent(value, forKey: .value)
        try container.encodeIfPresent(style, forKey: .style)
        try container.encodeIfPresent(url, forKey: .url)
        try container.encodeIfPresent(confirm, forKey: .confirm)
    }
}
