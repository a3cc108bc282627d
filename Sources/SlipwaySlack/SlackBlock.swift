/// One Block Kit layout block. Texts are cut to Slack's limits when the block is built, so a message made of these
/// blocks is always accepted; user-supplied text must still be escaped with ``SlackText/escape(_:)`` first.
public enum SlackBlock: Sendable, Hashable, Codable {
    case section(Section)
    case context(Context)
    case actions(Actions)
    case divider
    case header(Header)

    /// A `section`: mrkdwn text, optional two-column fields and an optional button beside the text.
    public struct Section: Sendable, Hashable {
        /// mrkdwn text, at most 3000 characters (cut with "… (truncated)").
        public let text: String?
        /// mrkdwn fields: at most 10, each at most 2000 characters (cut).
        public let fields: [String]
        /// A button shown beside the text.
        public let accessory: SlackButton?
        public let blockId: String?

        /// - Precondition: `text` or `fields` is given; `blockId` is at most 255 characters.
        public init(text: String?, fields: [String] = [], accessory: SlackButton? = nil, blockId: String? = nil) {
            precondition(text != nil || !fields.isEmpty, "a section needs text or fields")
            precondition(blockId.map(SlackBlock.isValidBlockId) ?? true, "block_id must be 1...255 characters")
            self.text = text.map { SlackText.truncate($0, to: BlockKitLimits.sectionText) }
            self.fields = fields.prefix(BlockKitLimits.sectionFields).map {
                SlackText.truncate($0, to: BlockKitLimits.sectionFieldText)
            }
            self.accessory = accessory
            self.blockId = blockId
        }
    }

    /// A `context` block: small grey mrkdwn lines.
    public struct Context: Sendable, Hashable {
        /// mrkdwn elements: at most 10 (extra ones dropped), each at most 3000 characters (cut).
        public let elements: [String]
        public let blockId: String?

        /// - Precondition: at least one element; `blockId` is at most 255 characters.
        public init(elements: [String], blockId: String? = nil) {
            precondition(!elements.isEmpty, "a context block needs at least one element")
            precondition(blockId.map(SlackBlock.isValidBlockId) ?? true, "block_id must be 1...255 characters")
            self.elements = elements.prefix(BlockKitLimits.contextElements).map {
                SlackText.truncate($0, to: BlockKitLimits.sectionText)
            }
            self.blockId = blockId
        }
    }

    /// An `actions` block: a row of buttons.
    public struct Actions: Sendable, Hashable {
        /// 1 to 25 buttons.
        public let elements: [SlackButton]
        public let blockId: String?

        /// - Precondition: 1 to 25 buttons; `blockId` is at most 255 characters.
        public init(elements: [SlackButton], blockId: String? = nil) {
            precondition(
                !elements.isEmpty && elements.count <= BlockKitLimits.actionsElements,
                "an actions block needs 1...\(BlockKitLimits.actionsElements) elements")
            precondition(blockId.map(SlackBlock.isValidBlockId) ?? true, "block_id must be 1...255 characters")
            self.elements = elements
            self.blockId = blockId
        }
    }

    /// A `header`: large bold plain text.
    public struct Header: Sendable, Hashable {
        /// Plain text, at most 150 characters (cut with "…").
        public let text: String
        public let blockId: String?

        /// - Precondition: `blockId` is at most 255 characters.
        public init(text: String, blockId: String? = nil) {
            precondition(blockId.map(SlackBlock.isValidBlockId) ?? true, "block_id must be 1...255 characters")
            self.text = SlackText.truncate(text, to: BlockKitLimits.headerText, marker: "…")
            self.blockId = blockId
        }
    }

    /// A section with mrkdwn text.
    /// - Parameters:
    ///   - text: mrkdwn; escape user-supplied parts.
    ///   - fields: Optional mrkdwn fields.
    ///   - accessory: Optional button beside the text.
    ///   - blockId: Optional block id.
    public static func section(
        _ text: String, fields: [String] = [], accessory: SlackButton? = nil, blockId: String? = nil
    ) -> SlackBlock {
        .section(Section(text: text, fields: fields, accessory: accessory, blockId: blockId))
    }

    /// A section of mrkdwn fields only.
    public static func fields(_ fields: [String], blockId: String? = nil) -> SlackBlock {
        .section(Section(text: nil, fields: fields, blockId: blockId))
    }

    /// A context block of mrkdwn elements.
    public static func context(_ elements: [String], blockId: String? = nil) -> SlackBlock {
        .context(Context(elements: elements, blockId: blockId))
    }

    /// An actions block of buttons.
    public static func actions(_ buttons: [SlackButton], blockId: String? = nil) -> SlackBlock {
        .actions(Actions(elements: buttons, blockId: blockId))
    }

    /// A header of plain text.
    public static func header(_ text: String, blockId: String? = nil) -> SlackBlock {
        .header(Header(text: text, blockId: blockId))
    }

    static func isValidBlockId(_ id: String) -> Bool {
        !id.isEmpty && SlackText.length(id) <= BlockKitLimits.blockId
    }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case type, text, fields, accessory, elements
        case blockId = "block_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let blockId = try container.decodeLimited(.blockId, limit: BlockKitLimits.blockId)
        if let blockId, blockId.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .blockId, in: container, debugDescription: "empty block_id")
        }
        func corrupted(_ key: CodingKeys, _ reason: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: reason)
        }
        switch type {
        case "section":
            let text =
                try container.contains(.text)
                ? container.decodeText(.text, type: BlockKitTextObject.mrkdwnType) : nil
            let fields = try container.decodeIfPresent([BlockKitTextObject].self, forKey: .fields) ?? []
            guard text != nil || !fields.isEmpty else { throw corrupted(.text, "a section needs text or fields") }
            let accessory = try container.decodeIfPresent(SlackButton.self, forKey: .accessory)
            self = .section(Section(text: text, fields: fields.map(\.text), accessory: accessory, blockId: blockId))
        case "context":
            let elements = try container.decode([BlockKitTextObject].self, forKey: .elements)
            guard !elements.isEmpty else { throw corrupted(.elements, "a context block needs elements") }
            self = .context(Context(elements: elements.map(\.text), blockId: blockId))
        case "actions":
            let elements = try container.decode([SlackButton].self, forKey: .elements)
            guard !elements.isEmpty, elements.count <= BlockKitLimits.actionsElements else {
                throw corrupted(.elements, "an actions block needs 1...25 elements")
            }
            self = .actions(Actions(elements: elements, blockId: blockId))
        case "divider":
            self = .divider
        case "header":
            self = .header(
                Header(
                    text: try container.decodeText(.text, type: BlockKitTextObject.plainTextType),
                    blockId: blockId))
        default:
            throw corrupted(.type, "unsupported block type")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .section(let section):
            try container.encode("section", forKey: .type)
            try container.encodeIfPresent(section.text.map(BlockKitTextObject.mrkdwn), forKey: .text)
            if !section.fields.isEmpty {
                try container.encode(section.fields.map(BlockKitTextObject.mrkdwn), forKey: .fields)
            }
            try container.encodeIfPresent(section.accessory, forKey: .accessory)
            try container.encodeIfPresent(section.blockId, forKey: .blockId)
        case .context(let context):
            try container.encode("context", forKey: .type)
            try container.encode(context.elements.map(BlockKitTextObject.mrkdwn), forKey: .elements)
            try container.encodeIfPresent(context.blockId, forKey: .blockId)
        case .actions(let actions):
            try container.encode("actions", forKey: .type)
            try container.encode(actions.elements, forKey: .elements)
            try container.encodeIfPresent(actions.blockId, forKey: .blockId)
        case .divider:
            try container.encode("divider", forKey: .type)
        case .header(let header):
            try container.encode("header", forKey: .type)
            try container.encode(BlockKitTextObject.plain(header.text), forKey: .text)
            try container.encodeIfPresent(header.blockId, forKey: .blockId)
        }
    }
}
