import CYAML

/// Turns bytes into `YAMLDocument`s through libyaml's event parser. The only code that touches libyaml.
struct YAMLParser {
    /// Nesting deeper than this is refused: no file Slipway edits comes near it, and the node tree is recursive.
    static let maximumDepth = 256
    /// Nodes a file may expand to once aliases are resolved (a guard against "billion laughs" files).
    static let maximumNodes = 1_000_000

    let bytes: [UInt8]
    let path: String
    private let positions: CharacterPositions

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
        self.positions = CharacterPositions(bytes)
    }

    func parse() throws(YAMLError) -> [YAMLDocument] {
        if bytes.isEmpty { return [] }
        var builder = TreeBuilder(parser: self)
        try withParser { (parser) throws(YAMLError) in
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else { throw error(of: parser) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
        }
        if builder.needsScalarStarts {
            let starts = try scalarTokenStarts()
            builder.documents = builder.documents.map { $0.fixingScalarStarts(starts) }
        }
        return builder.documents
    }

    /// The true start of each scalar token, by its end offset. A scalar event with an anchor or tag starts at
    /// the `&` or `!`; the token itself starts at the value, which is what an edit replaces.
    private func scalarTokenStarts() throws(YAMLError) -> [Int: YAMLMark] {
        var starts: [Int: YAMLMark] = [:]
        try withParser { (parser) throws(YAMLError) in
            var token = yaml_token_t()
            while true {
                guard yaml_parser_scan(parser, &token) == 1 else { throw error(of: parser) }
                defer { yaml_token_delete(&token) }
                if token.type == YAML_STREAM_END_TOKEN { break }
                if token.type == YAML_SCALAR_TOKEN {
                    starts[mark(token.end_mark).offset] = mark(token.start_mark)
                }
            }
        }
        return starts
    }

    private func withParser(_ body: (UnsafeMutablePointer<yaml_parser_t>) throws(YAMLError) -> Void)
        throws(YAMLError)
    {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(.syntax, path: path, mark: nil, problem: "libyaml could not allocate a parser")
        }
        defer { yaml_parser_delete(parser) }
        var failure: YAMLError?
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            do throws(YAMLError) { try body(parser) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: Marks and errors

    /// A libyaml mark (character index, 0-based line and column) as a byte offset and 1-based line and column.
    func mark(_ mark: yaml_mark_t) -> YAMLMark {
        YAMLMark(
            offset: positions.byteOffset(ofCharacter: Int(mark.index)), line: Int(mark.line) + 1,
            column: Int(mark.column) + 1)
    }

    private func error(of parser: UnsafeMutablePointer<yaml_parser_t>) -> YAMLError {
        let problem = parser.pointee.problem.map { String(cString: $0) } ?? "libyaml could not read the file"
        let context = parser.pointee.context.map { String(cString: $0) }
        switch parser.pointee.error {
        case YAML_READER_ERROR:
            // Reader errors (invalid UTF-8, control characters) carry a byte offset instead of a mark.
            var text = problem
            if parser.pointee.problem_value != -1 {
                text += " (byte 0x" + String(UInt32(bitPattern: parser.pointee.problem_value), radix: 16) + ")"
            }
            return YAMLError(
                .syntax, path: path, mark: positions.mark(atByte: Int(parser.pointee.problem_offset)), problem: text)
        case YAML_MEMORY_ERROR:
            return YAMLError(.syntax, path: path, mark: nil, problem: "libyaml ran out of memory")
        default:
            return YAMLError(
                .syntax, path: path, mark: mark(parser.pointee.problem_mark), problem: problem, context: context,
                contextMark: context == nil ? nil : mark(parser.pointee.context_mark))
        }
    }
}

// MARK: - Building the tree

extension YAMLParser {
    private struct Container {
        var isMapping: Bool
        var style: YAMLCollectionStyle
        var anchor: String?
        var start: YAMLMark
        var children: [YAMLNode] = []
        var size = 1
    }

    private struct TreeBuilder {
        let parser: YAMLParser
        var documents: [YAMLDocument] = []
        var stack: [Container] = []
        var root: YAMLNode?
        var rootSize = 0
        var documentStart: YAMLMark?
        var explicitStart = false
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var totalNodes = 0
        var needsScalarStarts = false

        mutating func handle(_ event: yaml_event_t) throws(YAMLError) {
            let start = parser.mark(event.start_mark)
            let end = parser.mark(event.end_mark)
            switch event.type {
            case YAML_DOCUMENT_START_EVENT:
                documentStart = start
                explicitStart = event.data.document_start.implicit == 0
                anchors = [:]  // anchors are scoped to their document
                root = nil
            case YAML_DOCUMENT_END_EVENT:
                documents.append(
                    YAMLDocument(
                        root: root, start: documentStart ?? start, end: end, explicitStart: explicitStart,
                        explicitEnd: event.data.document_end.implicit == 0))
                root = nil
            case YAML_ALIAS_EVENT:
                let name = string(event.data.alias.anchor)
                guard let name, let anchored = anchors[name] else {
                    throw YAMLError(
                        .undefinedAlias, path: parser.path, mark: start,
                        problem: "found undefined alias *\(name ?? "")")
                }
                try count(anchored.size, at: start)
                add(anchored.node.markingThroughAlias(), size: anchored.size, anchor: nil)
            case YAML_SCALAR_EVENT:
                let data = event.data.scalar
                let value = String(
                    decoding: UnsafeBufferPointer(start: data.value, count: Int(data.length)), as: UTF8.self)
                let anchor = string(data.anchor)
                let tag = string(data.tag)
                if anchor != nil || tag != nil { needsScalarStarts = true }
                try count(1, at: start)
                let scalar = YAMLScalar(
                    value: value, style: Self.style(data.style), tag: tag, anchor: anchor, start: start, end: end)
                add(.scalar(scalar), size: 1, anchor: anchor)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                guard stack.count < YAMLParser.maximumDepth else {
                    throw YAMLError(
                        .tooComplex, path: parser.path, mark: start,
                        problem: "collections nest more than \(YAMLParser.maximumDepth) levels deep")
                }
                try count(1, at: start)
                let flow =
                    isMapping
                    ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                    : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                let anchor = string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                stack.append(
                    Container(isMapping: isMapping, style: flow ? .flow : .block, anchor: anchor, start: start))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let container = stack.popLast() else { return }
                let node: YAMLNode
                if container.isMapping {
                    var pairs: [YAMLPair] = []
                    pairs.reserveCapacity(container.children.count / 2)
                    var index = 0
                    while index + 1 < container.children.count {
                        pairs.append(YAMLPair(key: container.children[index], value: container.children[index + 1]))
                        index += 2
                    }
                    node = .mapping(
                        YAMLMapping(
                            pairs: pairs, style: container.style, anchor: container.anchor, start: container.start,
                            end: end))
                } else {
                    node = .sequence(
                        YAMLSequence(
                            items: container.children, style: container.style, anchor: container.anchor,
                            start: container.start, end: end))
                }
                add(node, size: container.size, anchor: container.anchor)
            default:
                break
            }
        }

        /// Counts nodes as the resolved tree will hold them (an alias counts its anchor's whole subtree).
        private mutating func count(_ nodes: Int, at mark: YAMLMark) throws(YAMLError) {
            totalNodes += nodes
            guard totalNodes <= YAMLParser.maximumNodes else {
                throw YAMLError(
                    .tooComplex, path: parser.path, mark: mark,
                    problem: "the file expands to more than \(YAMLParser.maximumNodes) nodes through its aliases")
            }
        }

        private mutating func add(_ node: YAMLNode, size: Int, anchor: String?) {
            if let anchor { anchors[anchor] = (node, size) }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append(node)
                stack[stack.count - 1].size += size
            }
        }

        private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }

        private static func style(_ style: yaml_scalar_style_t) -> YAMLScalar.Style {
            switch style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: .literal
            case YAML_FOLDED_SCALAR_STYLE: .folded
            default: .plain
            }
        }
    }
}

// MARK: - Character index to byte offset

/// libyaml counts `yaml_mark_t.index` in characters (Unicode scalars; a leading byte order mark not counted),
/// not bytes. This maps one to the other for UTF-8 input.
struct CharacterPositions {
    private let bomLength: Int
    /// Byte offset of each character after the BOM; empty when the text is ASCII (offset = index).
    private let offsets: [Int]
    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        bomLength = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        if bytes.allSatisfy({ $0 < 0x80 }) {
            offsets = []
        } else {
            var offsets: [Int] = []
            offsets.reserveCapacity(bytes.count)
            var index = bomLength
            while index < bytes.count {
                offsets.append(index)
                index += 1
                while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index += 1 }  // continuation bytes
            }
            self.offsets = offsets
        }
    }

    func byteOffset(ofCharacter index: Int) -> Int {
        if offsets.isEmpty { return min(index + bomLength, bytes.count) }
        return index < offsets.count ? offsets[index] : bytes.count
    }

    /// The line and column of a byte offset (for reader errors, which libyaml reports by byte).
    func mark(atByte offset: Int) -> YAMLMark {
        let offset = max(0, min(offset, bytes.count))
        var line = 1
        var lineStart = 0
        var index = 0
        while index < offset {
            if bytes[index] == 0x0A {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        var column = 1
        index = max(lineStart, bomLength)
        while index < offset {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return YAMLMark(offset: offset, line: line, column: column)
    }
}
