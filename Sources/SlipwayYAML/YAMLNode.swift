/// A node of a parsed YAML document: a scalar, a sequence or a mapping. Aliases are resolved: an alias is the
/// anchored node itself (its marks are the anchor's, and `throughAlias` says it was reached through one).
public enum YAMLNode: Sendable, Hashable {
    case scalar(YAMLScalar)
    case sequence(YAMLSequence)
    case mapping(YAMLMapping)

    /// Where the node starts.
    public var start: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.start
        case .sequence(let sequence): sequence.start
        case .mapping(let mapping): mapping.start
        }
    }

    /// Where the node ends (just past its last byte).
    public var end: YAMLMark {
        switch self {
        case .scalar(let scalar): scalar.end
        case .sequence(let sequence): sequence.end
        case .mapping(let mapping): mapping.end
        }
    }

    /// The scalar, when this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The sequence, when this node is one.
    public var sequence: YAMLSequence? {
        if case .sequence(let sequence) = self { return sequence }
        return nil
    }

    /// The mapping, when this node is one.
    public var mapping: YAMLMapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    /// The value of the mapping key `key` when this node is a mapping with exactly that scalar key.
    public subscript(key: String) -> YAMLNode? { mapping?[key] }

    /// The node at a dotted path of mapping keys (`spec.values.image.tag`), or nil when a step is missing or
    /// is not a mapping.
    public func node(atPath path: [String]) -> YAMLNode? {
        var node: YAMLNode? = self
        for key in path { node = node?[key] }
        return node
    }

    /// A short name of the node's kind for messages: `a scalar`, `a sequence`, `a mapping`.
    public var kindDescription: String {
        switch self {
        case .scalar: "a scalar"
        case .sequence: "a sequence"
        case .mapping: "a mapping"
        }
    }

    func markingThroughAlias() -> YAMLNode {
        switch self {
        case .scalar(var scalar):
            scalar.throughAlias = true
            return .scalar(scalar)
        case .sequence(var sequence):
            sequence.throughAlias = true
            sequence.items = sequence.items.map { $0.markingThroughAlias() }
            return .sequence(sequence)
        case .mapping(var mapping):
            mapping.throughAlias = true
            mapping.pairs = mapping.pairs.map {
                YAMLPair(key: $0.key.markingThroughAlias(), value: $0.value.markingThroughAlias())
            }
            return .mapping(mapping)
        }
    }
}

/// A scalar with its value (quoting and escapes decoded) and the exact bytes it occupies in the file.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar is written.
    public enum Style: Sendable, Hashable {
        case plain
        case singleQuoted
        case doubleQuoted
        /// `|` block scalar.
        case literal
        /// `>` block scalar.
        case folded
    }

    /// The value, as YAML reads it (quotes removed, escapes decoded, block scalars folded).
    public var value: String
    /// How it is written.
    public var style: Style
    /// An explicit tag (`!!str`, `tag:yaml.org,2002:int`), as libyaml reports it.
    public var tag: String?
    /// The anchor defined on this scalar (`&name`).
    public var anchor: String?
    /// Whether this node was reached through an alias (`*name`): its marks are the anchor's.
    public var throughAlias: Bool = false
    /// Where the scalar's text starts (its opening quote or indicator, or its first character).
    public var start: YAMLMark
    /// Just past the scalar's text (its closing quote). For an empty plain scalar (`key:` with nothing after it)
    /// start and end are the same place, right after the `:`.
    public var end: YAMLMark

    /// The bytes the scalar occupies in the file.
    public var byteRange: Range<Int> { start.offset..<end.offset }

    /// Whether YAML reads this scalar as null: an empty or `~`/`null` plain scalar without a tag.
    public var isNull: Bool {
        tag == nil && style == .plain && ["", "~", "null", "Null", "NULL"].contains(value)
    }

    /// Creates a scalar.
    public init(
        value: String, style: Style, tag: String? = nil, anchor: String? = nil, start: YAMLMark, end: YAMLMark
    ) {
        self.value = value
        self.style = style
        self.tag = tag
        self.anchor = anchor
        self.start = start
        self.end = end
    }
}

/// Block (`- a`, `key: value` on lines) or flow (`[a, b]`, `{key: value}`) style of a collection.
public enum YAMLCollectionStyle: Sendable, Hashable {
    case block
    case flow
}

/// A sequence and its items.
public struct YAMLSequence: Sendable, Hashable {
    /// The items in order.
    public var items: [YAMLNode]
    /// How it is written.
    public var style: YAMLCollectionStyle
    /// The anchor defined on it.
    public var anchor: String?
    /// Whether it was reached through an alias.
    public var throughAlias: Bool = false
    /// Where it starts and ends.
    public var start: YAMLMark
    /// Just past its last item (or its `]`).
    public var end: YAMLMark

    /// Creates a sequence.
    public init(
        items: [YAMLNode], style: YAMLCollectionStyle, anchor: String? = nil, start: YAMLMark, end: YAMLMark
    ) {
        self.items = items
        self.style = style
        self.anchor = anchor
        self.start = start
        self.end = end
    }
}

/// One `key: value` of a mapping.
public struct YAMLPair: Sendable, Hashable {
    /// The key (a scalar in every file Slipway edits, but YAML allows any node).
    public var key: YAMLNode
    /// The value.
    public var value: YAMLNode

    /// Creates a pair.
    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A mapping and its pairs, in the file's order (duplicate keys are kept, not merged).
public struct YAMLMapping: Sendable, Hashable {
    /// The pairs in order.
    public var pairs: [YAMLPair]
    /// How it is written.
    public var style: YAMLCollectionStyle
    /// The anchor defined on it.
    public var anchor: String?
    /// Whether it was reached through an alias.
    public var throughAlias: Bool = false
    /// Where it starts.
    public var start: YAMLMark
    /// Just past its last value (or its `}`).
    public var end: YAMLMark

    /// Creates a mapping.
    public init(
        pairs: [YAMLPair], style: YAMLCollectionStyle, anchor: String? = nil, start: YAMLMark, end: YAMLMark
    ) {
        self.pairs = pairs
        self.style = style
        self.anchor = anchor
        self.start = start
        self.end = end
    }

    /// The pairs whose key is the scalar `key`.
    public func pairs(forKey key: String) -> [YAMLPair] {
        pairs.filter { $0.key.scalar?.value == key }
    }

    /// The value of the only pair whose key is the scalar `key`; nil when there is none or more than one.
    public subscript(key: String) -> YAMLNode? {
        let matches = pairs(forKey: key)
        return matches.count == 1 ? matches[0].value : nil
    }
}
