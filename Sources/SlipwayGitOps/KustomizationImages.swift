/// The `images:` list of a kustomization, located byte by byte in the file's text.
///
/// This is deliberately not a YAML parser: it reads just enough of the line structure (top-level keys, the
/// entries of one block sequence, the scalars of their keys) to know the exact bytes of each value, so an
/// edit can replace those bytes and keep everything else. Anything it cannot read with certainty is
/// reported as a problem rather than guessed at.
struct KustomizationImages {
    /// One line of the file: `start..<contentEnd` is the text, `contentEnd..<end` the `\n` or `\r\n`.
    struct Line {
        let start: Int
        let contentEnd: Int
        let end: Int
    }

    /// A scalar value written on one line.
    struct Scalar {
        enum Style {
            case plain
            case singleQuoted
            case doubleQuoted
            /// No value (`newTag:`); `range` is the empty insertion point.
            case empty
        }

        let style: Style
        /// The bytes of the value as written, quotes included.
        let range: Range<Int>
        /// The value with quoting removed.
        let value: String
    }

    /// Where a key can be added to an entry.
    enum Layout {
        /// Keys on their own lines at `keyIndent`; a new key goes after line `lastLine`.
        case block(keyIndent: Int, lastLine: Int)
        /// `- {name: x, ...}`; a new key goes at byte `insertionPoint` (before the `}`).
        case flow(insertionPoint: Int)
    }

    /// One entry of the `images:` list.
    struct Entry {
        /// Index of the entry's first line (the one with the `-`).
        let line: Int
        var scalars: [String: Scalar] = [:]
        /// Keys whose value could not be read, with the reason.
        var unreadableKeys: [String: String] = [:]
        var layout: Layout?
        /// Why the entry as a whole cannot be edited safely, if it cannot.
        var problem: String?

        func value(_ key: String) -> String? { scalars[key]?.value }
    }

    let bytes: [UInt8]
    let lines: [Line]
    let entries: [Entry]

    /// Reads the kustomization's structure.
    /// - Throws: `GitOpsError` when the text is not a kustomization or has no readable `images:` list.
    init(text: String, path: String, image: String) throws(GitOpsError) {
        let bytes = Array(text.utf8)
        let lines = Self.splitLines(bytes)
        self.bytes = bytes
        self.lines = lines
        let scanner = Scanner(bytes: bytes, lines: lines)
        self.entries = try scanner.images(path: path, image: image)
    }

    /// The terminator to use for a new line after line `index`.
    func lineEnding(after index: Int) -> [UInt8] {
        let line = lines[index]
        if line.end > line.contentEnd { return Array(bytes[line.contentEnd..<line.end]) }
        return bytes.contains(UInt8(ascii: "\r")) ? [0x0D, 0x0A] : [0x0A]
    }

    /// 1-based line number of line index `index`, for messages.
    static func lineNumber(_ index: Int) -> Int { index + 1 }

    private static func splitLines(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                let contentEnd = index > start && bytes[index - 1] == 0x0D ? index - 1 : index
                lines.append(Line(start: start, contentEnd: contentEnd, end: index + 1))
                start = index + 1
            }
            index += 1
        }
        if start < bytes.count {
            lines.append(Line(start: start, contentEnd: bytes.count, end: bytes.count))
        }
        return lines
    }
}

// MARK: - Scanning

extension KustomizationImages {
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let dash = UInt8(ascii: "-")
    private static let colon = UInt8(ascii: ":")
    private static let comma = UInt8(ascii: ",")
    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")
    private static let openBracket = UInt8(ascii: "[")
    private static let singleQuote = UInt8(ascii: "'")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The kinds of manifest that carry an `images:` list kustomize understands.
    private static let kustomizationKinds: Set<String> = ["Kustomization", "Component"]
    /// Top-level keys only a kustomization has (a manifest's `resources:` is never top-level).
    private static let kustomizationKeys: Set<String> = ["images", "resources", "bases", "components"]

    private struct TopLevelKey {
        let name: String
        let line: Int
        let value: Scalar?
        let valueProblem: String?
        /// The text after the colon, without a trailing comment.
        let rawValue: String
    }

    private struct Scanner {
        let bytes: [UInt8]
        let lines: [Line]

        // MARK: Top level

        func images(path: String, image: String) throws(GitOpsError) -> [Entry] {
            var keys: [TopLevelKey] = []
            var sawContent = false
            for (index, line) in lines.enumerated() {
                var start = line.start
                if index == 0, hasPrefix([0xEF, 0xBB, 0xBF], at: start, end: line.contentEnd) { start += 3 }
                guard start < line.contentEnd else { continue }
                let first = bytes[start]
                if first == space || first == tab || first == hash { continue }
                if isDocumentMarker(at: start, end: line.contentEnd) {
                    if sawContent { break }  // a second document: kustomize reads only the first
                    continue
                }
                if first == UInt8(ascii: "%") && !sawContent { continue }  // %YAML directive
                sawContent = true
                if first == dash && isSeparated(start + 1, end: line.contentEnd) {
                    if keys.isEmpty {
                        throw GitOpsError(
                            .notAKustomization,
                            "\(path) is not a kustomization: it is a YAML list, not a mapping. "
                                + "Point the environment's kustomization setting at the kustomization.yaml "
                                + "whose images: list names \(image).")
                    }
                    continue  // an indentless sequence: the value of the previous key
                }
                if first == openBrace {
                    throw GitOpsError(
                        .unsupportedLayout,
                        "\(path) is written in flow style (JSON); Slipway edits block-style YAML only. "
                            + "Rewrite it as plain YAML (key: value on separate lines).")
                }
                guard let key = parseKey(at: start, end: line.contentEnd, flow: false) else {
                    throw GitOpsError(
                        .notAKustomization,
                        "\(path) is not a kustomization: line \(lineNumber(index)) is not a YAML key: value "
                            + "mapping. Point the environment's kustomization setting at a kustomization.yaml.")
                }
                var problem: String?
                let value = blockScalar(from: key.valueStart, end: line.contentEnd, problem: &problem)
                keys.append(
                    TopLevelKey(
                        name: key.name, line: index, value: value, valueProblem: problem,
                        rawValue: rawValue(from: key.valueStart, end: line.contentEnd)))
            }

            let names = Set(keys.map(\.name))
            let kind = keys.first { $0.name == "kind" }?.value?.value
            let apiVersion = keys.first { $0.name == "apiVersion" }?.value?.value ?? ""
            if let kind, !kind.isEmpty, !KustomizationImages.kustomizationKinds.contains(kind) {
                throw GitOpsError(
                    .notAKustomization,
                    "\(path) is a \(kind) manifest, not a kustomization. Point the environment's kustomization "
                        + "setting at the kustomization.yaml whose images: list names \(image).")
            }
            let looksLikeKustomization =
                !names.isDisjoint(with: KustomizationImages.kustomizationKeys)
                || kind.map(KustomizationImages.kustomizationKinds.contains) == true
                || apiVersion.hasPrefix("kustomize.config.k8s.io/")
            guard looksLikeKustomization else {
                throw GitOpsError(
                    .notAKustomization,
                    "\(path) is not a kustomization (it has no images:, resources: or kind: Kustomization). "
                        + "Point the environment's kustomization setting at the kustomization.yaml whose "
                        + "images: list names \(image).")
            }

            let imageKeys = keys.indices.filter { keys[$0].name == "images" }
            guard let keyIndex = imageKeys.first else {
                throw GitOpsError(
                    .imageEntryMissing,
                    "\(path) has no images: list; add one with an entry for \(image) "
                        + "(images: / - name: \(image) / newTag: <tag>).")
            }
            if imageKeys.count > 1 {
                throw GitOpsError(
                    .unsupportedLayout, "\(path) has more than one top-level images: key; merge them into one list.")
            }
            let key = keys[keyIndex]
            if key.rawValue == "[]" || key.rawValue == "null" || key.rawValue == "~" { return [] }
            if let problem = key.valueProblem {
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) line \(lineNumber(key.line)): images: \(problem); "
                        + "write it as a block list (- name: ... / newTag: ...) so Slipway can edit it.")
            }
            if let value = key.value, value.style != .empty {
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) line \(lineNumber(key.line)): images: is not a block list; write it as "
                        + "- name: ... / newTag: ... entries so Slipway can edit it.")
            }
            let regionEnd = keyIndex + 1 < keys.count ? keys[keyIndex + 1].line : endOfDocument(after: key.line)
            return try entries(lines: (key.line + 1)..<regionEnd, path: path)
        }

        /// The index just past the first document's last line.
        private func endOfDocument(after index: Int) -> Int {
            var next = index + 1
            while next < lines.count {
                let line = lines[next]
                if isDocumentMarker(at: line.start, end: line.contentEnd) { return next }
                next += 1
            }
            return lines.count
        }

        // MARK: The images list

        private func entries(lines range: Range<Int>, path: String) throws(GitOpsError) -> [Entry] {
            var entries: [Entry] = []
            var dashIndent: Int?
            var current: Entry?
            var lastKey: String?
            for index in range {
                let line = lines[index]
                guard let (column, position) = firstContent(of: line) else { continue }
                if dashIndent == nil {
                    guard bytes[position] == dash, isSeparated(position + 1, end: line.contentEnd) else {
                        throw GitOpsError(
                            .unsupportedLayout,
                            "\(path) line \(lineNumber(index)): images: must be a list of entries "
                                + "(- name: ... / newTag: ...).")
                    }
                    dashIndent = column
                }
                guard let dashIndent else { continue }
                if column == dashIndent && bytes[position] == dash && isSeparated(position + 1, end: line.contentEnd) {
                    if let current { entries.append(current) }
                    current = Entry(line: index)
                    lastKey = nil
                    startEntry(&current!, line: index, after: position + 1, lastKey: &lastKey)
                } else if column > dashIndent, current != nil {
                    continueEntry(&current!, line: index, column: column, at: position, lastKey: &lastKey)
                } else if current != nil {
                    current!.problem = current!.problem ?? "line \(lineNumber(index)) is indented unexpectedly"
                }
            }
            if let current { entries.append(current) }
            return entries
        }

        private func startEntry(_ entry: inout Entry, line index: Int, after dashEnd: Int, lastKey: inout String?) {
            let line = lines[index]
            let position = skipBlanks(from: dashEnd, end: line.contentEnd)
            if position == line.contentEnd || bytes[position] == hash {
                entry.layout = nil  // keys start on the next line
                return
            }
            switch bytes[position] {
            case openBrace:
                readFlowMapping(&entry, line: index, at: position)
            case dash, openBracket, UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"),
                UInt8(ascii: ">"):
                entry.problem = "line \(lineNumber(index)) is not a name:/newTag: mapping"
            default:
                entry.layout = .block(keyIndent: position - line.start, lastLine: index)
                readKey(&entry, line: index, at: position, lastKey: &lastKey)
            }
        }

        private func continueEntry(
            _ entry: inout Entry, line index: Int, column: Int, at position: Int, lastKey: inout String?
        ) {
            switch entry.layout {
            case nil where entry.problem == nil:
                entry.layout = .block(keyIndent: column, lastLine: index)
                readKey(&entry, line: index, at: position, lastKey: &lastKey)
            case .block(let keyIndent, _)?:
                entry.layout = .block(keyIndent: keyIndent, lastLine: index)
                if column == keyIndent {
                    readKey(&entry, line: index, at: position, lastKey: &lastKey)
                } else if column > keyIndent, let lastKey {
                    // The previous key's value goes on over more lines (or is a nested structure).
                    entry.scalars[lastKey] = nil
                    entry.unreadableKeys[lastKey] = "spans several lines"
                } else {
                    entry.problem = entry.problem ?? "line \(lineNumber(index)) is indented unexpectedly"
                }
            case .flow?:
                entry.problem = entry.problem ?? "its flow mapping {...} continues on line \(lineNumber(index))"
            case nil:
                break
            }
        }

        private func readKey(_ entry: inout Entry, line index: Int, at position: Int, lastKey: inout String?) {
            let line = lines[index]
            guard let key = parseKey(at: position, end: line.contentEnd, flow: false) else {
                entry.problem = entry.problem ?? "line \(lineNumber(index)) is not a key: value pair"
                lastKey = nil
                return
            }
            lastKey = key.name
            if entry.scalars[key.name] != nil || entry.unreadableKeys[key.name] != nil {
                entry.problem = entry.problem ?? "it has \(key.name): twice"
            }
            var problem: String?
            if let value = blockScalar(from: key.valueStart, end: line.contentEnd, problem: &problem) {
                entry.scalars[key.name] = value
            } else {
                entry.unreadableKeys[key.name] = problem ?? "cannot be read"
            }
        }

        private func readFlowMapping(_ entry: inout Entry, line index: Int, at open: Int) {
            let end = lines[index].contentEnd
            var position = open + 1
            var lastValueEnd = position
            while true {
                position = skipBlanks(from: position, end: end)
                guard position < end else {
                    entry.problem = "its flow mapping {...} does not end on line \(lineNumber(index))"
                    return
                }
                if bytes[position] == closeBrace { break }
                guard let key = parseKey(at: position, end: end, flow: true) else {
                    entry.problem = "line \(lineNumber(index)) has a flow mapping Slipway cannot read"
                    return
                }
                guard let value = flowScalar(from: key.valueStart, end: end) else {
                    entry.problem = "line \(lineNumber(index)) has a flow mapping Slipway cannot read"
                    return
                }
                if entry.scalars[key.name] != nil { entry.problem = "it has \(key.name): twice" }
                entry.scalars[key.name] = value
                lastValueEnd = value.range.upperBound
                position = skipBlanks(from: value.range.upperBound, end: end)
                guard position < end else { continue }
                if bytes[position] == comma {
                    position += 1
                } else if bytes[position] != closeBrace {
                    entry.problem = "line \(lineNumber(index)) has a flow mapping Slipway cannot read"
                    return
                }
            }
            let rest = skipBlanks(from: position + 1, end: end)
            guard rest == end || bytes[rest] == hash else {
                entry.problem = "line \(lineNumber(index)) has text after its flow mapping"
                return
            }
            entry.layout = .flow(insertionPoint: entry.scalars.isEmpty ? open + 1 : lastValueEnd)
        }

        // MARK: Keys and scalars

        private struct Key {
            let name: String
            /// First byte after the `:`.
            let valueStart: Int
        }

        /// Reads `key:` at `position`; nil when the line is not a key (no `: `).
        private func parseKey(at position: Int, end: Int, flow: Bool) -> Key? {
            var nameEnd: Int
            let name: String
            var cursor: Int
            if bytes[position] == singleQuote || bytes[position] == doubleQuote {
                guard let quoted = quotedScalar(at: position, end: end) else { return nil }
                name = quoted.value
                nameEnd = quoted.range.upperBound
                cursor = skipBlanks(from: nameEnd, end: end)
                guard cursor < end, bytes[cursor] == colon else { return nil }
            } else {
                cursor = position
                while true {
                    guard cursor < end else { return nil }
                    let byte = bytes[cursor]
                    if byte == colon && (cursor + 1 == end || isBlankOrFlowEnd(bytes[cursor + 1], flow: flow)) {
                        break
                    }
                    if byte == hash && cursor > position && isBlank(bytes[cursor - 1]) { return nil }
                    if flow && (byte == comma || byte == closeBrace || byte == openBrace) { return nil }
                    cursor += 1
                }
                nameEnd = cursor
                while nameEnd > position && isBlank(bytes[nameEnd - 1]) { nameEnd -= 1 }
                guard nameEnd > position else { return nil }
                name = String(decoding: bytes[position..<nameEnd], as: UTF8.self)
            }
            return Key(name: name, valueStart: cursor + 1)
        }

        /// Reads the value of a block-context `key: value` that starts at `start` (just after the colon).
        private func blockScalar(from start: Int, end: Int, problem: inout String?) -> Scalar? {
            let position = skipBlanks(from: start, end: end)
            if position == end || bytes[position] == hash {
                return Scalar(style: .empty, range: position..<position, value: "")
            }
            switch bytes[position] {
            case singleQuote, doubleQuote:
                guard let quoted = quotedScalar(at: position, end: end) else {
                    problem = "has a quoted value that does not end on the same line"
                    return nil
                }
                let rest = skipBlanks(from: quoted.range.upperBound, end: end)
                guard rest == end || bytes[rest] == hash else {
                    problem = "has text after its quoted value"
                    return nil
                }
                return quoted
            case openBracket, openBrace:
                problem = "is written in flow style"
                return nil
            case UInt8(ascii: "|"), UInt8(ascii: ">"):
                problem = "is a block scalar"
                return nil
            case UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"):
                problem = "uses a YAML anchor, alias or tag"
                return nil
            default:
                var valueEnd = position
                var cursor = position
                while cursor < end {
                    let byte = bytes[cursor]
                    if byte == hash && isBlank(bytes[cursor - 1]) { break }
                    if !isBlank(byte) { valueEnd = cursor + 1 }
                    cursor += 1
                }
                return Scalar(
                    style: .plain, range: position..<valueEnd,
                    value: String(decoding: bytes[position..<valueEnd], as: UTF8.self))
            }
        }

        /// Reads a value inside `{...}`, which ends at `,` or `}`.
        private func flowScalar(from start: Int, end: Int) -> Scalar? {
            let position = skipBlanks(from: start, end: end)
            guard position < end else { return nil }
            switch bytes[position] {
            case singleQuote, doubleQuote:
                return quotedScalar(at: position, end: end)
            case comma, closeBrace:
                return Scalar(style: .empty, range: position..<position, value: "")
            case openBracket, openBrace, hash, UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"):
                return nil
            default:
                var valueEnd = position
                var cursor = position
                while cursor < end {
                    let byte = bytes[cursor]
                    if byte == comma || byte == closeBrace || byte == openBracket || byte == openBrace { break }
                    if byte == hash && isBlank(bytes[cursor - 1]) { return nil }
                    if !isBlank(byte) { valueEnd = cursor + 1 }
                    cursor += 1
                }
                return Scalar(
                    style: .plain, range: position..<valueEnd,
                    value: String(decoding: bytes[position..<valueEnd], as: UTF8.self))
            }
        }

        /// Reads a single- or double-quoted scalar that ends on the same line.
        private func quotedScalar(at position: Int, end: Int) -> Scalar? {
            let quote = bytes[position]
            var value: [UInt8] = []
            var cursor = position + 1
            while cursor < end {
                let byte = bytes[cursor]
                if quote == singleQuote && byte == singleQuote {
                    if cursor + 1 < end && bytes[cursor + 1] == singleQuote {
                        value.append(singleQuote)
                        cursor += 2
                        continue
                    }
                    return Scalar(
                        style: .singleQuoted, range: position..<(cursor + 1),
                        value: String(decoding: value, as: UTF8.self))
                }
                if quote == doubleQuote && byte == backslash {
                    guard cursor + 1 < end else { return nil }
                    value.append(bytes[cursor + 1])  // enough for `\"` and `\\`; tags and names have no others
                    cursor += 2
                    continue
                }
                if quote == doubleQuote && byte == doubleQuote {
                    return Scalar(
                        style: .doubleQuoted, range: position..<(cursor + 1),
                        value: String(decoding: value, as: UTF8.self))
                }
                value.append(byte)
                cursor += 1
            }
            return nil
        }

        // MARK: Bytes

        /// The column and byte offset of the line's first character, or nil for a blank or comment line.
        private func firstContent(of line: Line) -> (column: Int, position: Int)? {
            let position = skipBlanks(from: line.start, end: line.contentEnd)
            guard position < line.contentEnd, bytes[position] != hash else { return nil }
            return (position - line.start, position)
        }

        /// The text of a value up to a comment, trimmed; only for recognising `[]` and `null`.
        private func rawValue(from start: Int, end: Int) -> String {
            var valueEnd = skipBlanks(from: start, end: end)
            let valueStart = valueEnd
            while valueEnd < end && !(bytes[valueEnd] == hash && isBlank(bytes[valueEnd - 1])) { valueEnd += 1 }
            while valueEnd > valueStart && isBlank(bytes[valueEnd - 1]) { valueEnd -= 1 }
            return String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
        }

        private func isDocumentMarker(at position: Int, end: Int) -> Bool {
            (hasPrefix(Array("---".utf8), at: position, end: end)
                || hasPrefix(Array("...".utf8), at: position, end: end))
                && isSeparated(position + 3, end: end)
        }

        private func hasPrefix(_ prefix: [UInt8], at position: Int, end: Int) -> Bool {
            guard end - position >= prefix.count else { return false }
            for (offset, byte) in prefix.enumerated() where bytes[position + offset] != byte { return false }
            return true
        }

        /// Whether `position` is the end of the line or a blank (as after `-` or `:`).
        private func isSeparated(_ position: Int, end: Int) -> Bool {
            position >= end || isBlank(bytes[position])
        }

        private func skipBlanks(from position: Int, end: Int) -> Int {
            var position = position
            while position < end && isBlank(bytes[position]) { position += 1 }
            return position
        }

        private func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }

        private func isBlankOrFlowEnd(_ byte: UInt8, flow: Bool) -> Bool {
            isBlank(byte) || (flow && (byte == comma || byte == closeBrace))
        }

        private func lineNumber(_ index: Int) -> Int { KustomizationImages.lineNumber(index) }
    }
}
