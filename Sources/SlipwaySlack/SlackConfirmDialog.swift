/// The "Are you sure?" dialog shown before a button's action is sent. All four texts are plain text, so nothing
/// in them is interpreted as a mention or a link.
public struct SlackConfirmDialog: Sendable, Hashable, Codable {
    /// Title, at most 100 characters (cut otherwise).
    public let title: String
    /// Explanation, at most 300 characters (cut otherwise).
    public let text: String
    /// Label of the confirming button, at most 30 characters.
    public let confirm: String
    /// Label of the cancelling button, at most 30 characters.
    public let deny: String
    /// Colour of the confirming button.
    public let style: SlackButton.Style?

    /// - Parameters:
    ///   - title: Dialog title.
    ///   - text: What will happen.
    ///   - confirm: Confirming button label.
    ///   - deny: Cancelling button label.
    ///   - style: `.danger` for destructive actions such as a rollback.
    public init(
        title: String, text: String, confirm: String = "Confirm", deny: String = "Cancel",
        style: SlackButton.Style? = nil
    ) {
        self.title = SlackText.truncate(title, to: BlockKitLimits.confirmTitle, marker: "…")
        self.text = SlackText.truncate(text, to: BlockKitLimits.confirmText, marker: "…")
        self.confirm = SlackText.truncate(confirm, to: BlockKitLimits.confirmButton, marker: "…")
        self.deny = SlackText.truncate(deny, to: BlockKitLimits.confirmButton, marker: "…")
        self.style = style
    }

    private enum CodingKeys: String, CodingKey { case title, text, confirm, deny, style }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            title: try container.decodeText(.title, type: BlockKitTextObject.plainTextType),
            text: try container.decodeText(.text, type: BlockKitTextObject.plainTextType),
            confirm: try container.decodeText(.confirm, type: BlockKitTextObject.plainTextType),
            deny: try container.decodeText(.deny, type: BlockKitTextObject.plainTextType),
            style: try container.decodeIfPresent(SlackButton.Style.self, forKey: .style))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(BlockKitTextObject.plain(title), forKey: .title)
        try container.encode(BlockKitTextObject.plain(text), forKey: .text)
        try container.encode(BlockKitTextObject.plain(confirm), forKey: .confirm)
        try container.encode(BlockKitTextObject.plain(deny), forKey: .deny)
        try container.encodeIfPresent(style, forKey: .style)
    }
}
