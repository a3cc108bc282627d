/// Slack's documented Block Kit limits. Lengths count UTF-16 code units, which is never fewer than the characters
/// Slack counts, so text cut to these limits is always accepted.
public enum BlockKitLimits {
    /// Blocks in one message.
    public static let blocksPerMessage = 50
    /// The top-level `text` of a message.
    public static let messageText = 40_000
    /// A section's text (and any text object not listed otherwise).
    public static let sectionText = 3000
    /// Fields in one section.
    public static let sectionFields = 10
    /// One section field.
    public static let sectionFieldText = 2000
    /// A header's plain text.
    public static let headerText = 150
    /// Elements in a context block.
    public static let contextElements = 10
    /// Elements in an actions block.
    public static let actionsElements = 25
    /// A button's label.
    public static let buttonText = 75
    /// A button's `value`.
    public static let buttonValue = 2000
    /// A button's `url`.
    public static let buttonURL = 3000
    /// An `action_id`.
    public static let actionId = 255
    /// A `block_id`.
    public static let blockId = 255
    /// A confirmation dialog's title.
    public static let confirmTitle = 100
    /// A confirmation dialog's text.
    public static let confirmText = 300
    /// A confirmation dialog's confirm and deny labels.
    public static let confirmButton = 30
}
