/// One document of a YAML file (files may hold several, separated by `---`).
public struct YAMLDocument: Sendable, Hashable {
    /// The document's content; nil for an empty document.
    public var root: YAMLNode?
    /// Where the document starts (its `---` when explicit).
    public var start: YAMLMark
    /// Where it ends.
    public var end: YAMLMark
    /// Whether it starts with `---`.
    public var explicitStart: Bool
    /// Whether it ends with `...`.
    public var explicitEnd: Bool

    /// Creates a document.
    public init(root: YAMLNode?, start: YAMLMark, end: YAMLMark, explicitStart: Bool, explicitEnd: Bool) {
        self.root = root
        self.start = start
        self.end = end
        self.explicitStart = explicitStart
        self.explicitEnd = explicitEnd
    }

    func fixingScalarStarts(_ starts: [Int: YAMLMark]) -> YAMLDocument {
        var document = self
        document.root = root?.fixingScalarStarts(starts)
        return document
    }
}

extension YAMLNode {
    /// The scalars of this subtree, in document order (keys and values; aliases' copies included).
    public var scalars: [YAMLScalar] {
        var result: [YAMLScalar] = []
        collectScalars(into: &result)
        return result
    }

    private func collectScalars(into result: inout [YAMLScalar]) {
        switch self {
        case .scalar(let scalar): result.append(scalar)
        case .sequence(let sequence): for item in sequence.items { item.collectScalars(into: &result) }
        case .mapping(let mapping):
            for pair in mapping.pairs {
                pair.key.collectScalars(into: &result)
                pair.value.collectScalars(into: &result)
            }
        }
    }

    /// Moves each scalar's start from its anchor or tag to its value (libyaml's event starts at `&` or `!`).
    func fixingScalarStarts(_ starts: [Int: YAMLMark]) -> YAMLNode {
        switch self {
        case .scalar(var scalar):
            guard scalar.anchor != nil || scalar.tag != nil else { return self }
            if let start = starts[scalar.end.offset], start.offset >= scalar.start.offset {
                scalar.start = start
            } else {
                scalar.start = scalar.end  // `key: !!str` with no value: an empty scalar after its tag
            }
            return .scalar(scalar)
        case .sequence(var sequence):
            sequence.items = sequence.items.map { $0.fixingScalarStarts(starts) }
            return .sequence(sequence)
        case .mapping(var mapping):
            mapping.pairs = mapping.pairs.map {
                YAMLPair(key: $0.key.fixingScalarStarts(starts), value: $0.value.fixingScalarStarts(starts))
            }
            return .mapping(mapping)
        }
    }
}
