/// A Block Kit view: a modal (`views.open`) or an App Home tab (`views.publish`). Texts are cut to Slack's limits
/// (titles 24 characters, option texts 75, option values 150, at most 100 options and 100 blocks), so a view built
/// here is accepted; user-supplied text must still be escaped where it is mrkdwn.
public struct SlackView: Sendable, Hashable {
    /// `modal` or `home`.
    public enum Kind: String, Sendable, Hashable {
        case modal, home
    }

    /// One choice of a select menu.
    public struct Option: Sendable, Hashable {
        public var text: String
        public var value: String
        public init(text: String, value: String) {
            self.text = text
            self.value = value
        }
    }

    /// Choices under a label (`option_groups`).
    public struct OptionGroup: Sendable, Hashable {
        public var label: String
        public var options: [Option]
        public init(label: String, options: [Option]) {
            self.label = label
            self.options = options
        }
    }

    /// A view block: a layout block or an input.
    public enum Block: Sendable, Hashable {
        case layout(SlackBlock)
        /// An `input` block with a `static_select` of `options` (or of `groups` when `options` is empty).
        case select(
            blockId: String, label: String, actionId: String, placeholder: String, options: [Option],
            groups: [OptionGroup], initial: String?, optional: Bool, hint: String?)
        /// An `input` block with a `plain_text_input`.
        case textInput(
            blockId: String, label: String, actionId: String, placeholder: String, maxLength: Int, optional: Bool)
    }

    /// At most this many blocks in a modal or a Home tab.
    public static let maxBlocks = 100
    /// At most this many options in one select menu.
    public static let maxOptions = 100

    public var kind: Kind
    public var callbackId: String?
    /// Modal title (24 characters).
    public var title: String?
    /// Modal submit button label (24 characters); nil for no submit button.
    public var submit: String?
    public var close: String?
    /// Carried back in `view_submission` (at most 3000 characters).
    public var privateMetadata: String?
    public var blocks: [Block]

    public init(
        kind: Kind, callbackId: String? = nil, title: String? = nil, submit: String? = nil, close: String? = nil,
        privateMetadata: String? = nil, blocks: [Block]
    ) {
        self.kind = kind
        self.callbackId = callbackId
        self.title = title
        self.submit = submit
        self.close = close
        self.privateMetadata = privateMetadata
        if blocks.count > Self.maxBlocks {
            let kept = Self.maxBlocks - 1
            self.blocks = Array(blocks.prefix(kept)) + [.layout(.context(["…\(blocks.count - kept) more not shown"]))]
        } else {
            self.blocks = blocks
        }
    }

    /// The view object, as `views.open` and `views.publish` take it in `view`.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("type", kind.rawValue)
        writer.field("callback_id", callbackId)
        if let title { writer.textObject("title", type: "plain_text", SlackText.truncate(title, to: 24, marker: "…")) }
        if let submit {
            writer.textObject("submit", type: "plain_text", SlackText.truncate(submit, to: 24, marker: "…"))
        }
        if let close { writer.textObject("close", type: "plain_text", SlackText.truncate(close, to: 24, marker: "…")) }
        writer.field("private_metadata", privateMetadata.map { SlackText.truncate($0, to: 3000, marker: "") })
        writer.key("blocks")
        writer.beginArray()
        for block in blocks {
            switch block {
            case .layout(let block): block.write(to: &writer)
            case .select(
                let blockId, let label, let actionId, let placeholder, let options, let groups, let initial,
                let optional, let hint):
                writer.beginObject()
                writer.field("type", "input")
                writer.field("block_id", blockId)
                writer.textObject("label", type: "plain_text", SlackText.truncate(label, to: 2000, marker: "…"))
                writer.field("optional", optional)
                if let hint {
                    writer.textObject("hint", type: "plain_text", SlackText.truncate(hint, to: 2000, marker: "…"))
                }
                writer.key("element")
                writer.beginObject()
                writer.field("type", "static_select")
                writer.field("action_id", actionId)
                writer.textObject(
                    "placeholder", type: "plain_text", SlackText.truncate(placeholder, to: 150, marker: "…"))
                var all: [Option] = []
                if options.isEmpty {
                    var left = Self.maxOptions
                    writer.key("option_groups")
                    writer.beginArray()
                    for group in groups.prefix(Self.maxOptions) where left > 0 && !group.options.isEmpty {
                        let kept = Array(group.options.prefix(left))
                        left -= kept.count
                        all += kept
                        writer.beginObject()
                        writer.textObject(
                            "label", type: "plain_text", SlackText.truncate(group.label, to: 75, marker: "…"))
                        writer.key("options")
                        writer.beginArray()
                        for option in kept { Self.write(option, to: &writer) }
                        writer.endArray()
                        writer.endObject()
                    }
                    writer.endArray()
                } else {
                    all = Array(options.prefix(Self.maxOptions))
                    writer.key("options")
                    writer.beginArray()
                    for option in all { Self.write(option, to: &writer) }
                    writer.endArray()
                }
                if let initial, let option = all.first(where: { $0.value == initial }) {
                    writer.key("initial_option")
                    Self.write(option, to: &writer)
                }
                writer.endObject()
                writer.endObject()
            case .textInput(let blockId, let label, let actionId, let placeholder, let maxLength, let optional):
                writer.beginObject()
                writer.field("type", "input")
                writer.field("block_id", blockId)
                writer.textObject("label", type: "plain_text", SlackText.truncate(label, to: 2000, marker: "…"))
                writer.field("optional", optional)
                writer.key("element")
                writer.beginObject()
                writer.field("type", "plain_text_input")
                writer.field("action_id", actionId)
                writer.textObject(
                    "placeholder", type: "plain_text", SlackText.truncate(placeholder, to: 150, marker: "…"))
                writer.field("max_length", maxLength)
                writer.endObject()
                writer.endObject()
            }
        }
        writer.endArray()
        writer.endObject()
    }

    private static func write(_ option: Option, to writer: inout JSONWriter) {
        writer.beginObject()
        writer.textObject("text", type: "plain_text", SlackText.truncate(option.text, to: 75, marker: "…"))
        writer.field("value", String(option.value.prefix(150)))
        writer.endObject()
    }
}
