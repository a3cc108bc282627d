import Foundation

/// A whole YAML file: its exact bytes and every document libyaml reads from them.
///
/// Edits replace byte ranges taken from libyaml's marks, so everything outside the edited scalar (comments,
/// quoting, key order, blank lines, CRLF line endings) stays byte for byte as it was, and every edit re-parses
/// the whole result.
public struct YAMLFile: Sendable, Hashable {
    /// The file's path; only for messages.
    public let path: String
    /// The file's bytes.
    public let bytes: [UInt8]
    /// The documents, in order (an empty or comment-only file has none).
    public let documents: [YAMLDocument]

    /// Parses a whole file.
    /// - Parameters:
    ///   - bytes: the file's bytes (UTF-8).
    ///   - path: the file's path, named in errors.
    /// - Throws: `YAMLError` with libyaml's problem, line and column when any document is not valid YAML.
    public init(bytes: [UInt8], path: String) throws(YAMLError) {
        self.path = path
        self.bytes = bytes
        self.documents = try YAMLParser(bytes: bytes, path: path).parse()
    }

    /// Parses a whole file from its text.
    public init(text: String, path: String) throws(YAMLError) {
        try self.init(bytes: Array(text.utf8), path: path)
    }

    /// Reads and parses a file from disk (a kubeconfig, a values file).
    /// - Throws: `YAMLError` when the file cannot be read, or is not valid YAML.
    public init(contentsOfFile path: String) throws(YAMLError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw YAMLError(.syntax, path: path, mark: nil, problem: "cannot read the file (missing or not readable)")
        }
        try self.init(bytes: Array(data), path: path)
    }

    /// The file as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Replaces one scalar's value in place, written in the scalar's own style, and re-parses the result.
    ///
    /// A plain scalar stays plain unless the new value would read as something else (a number, boolean or null,
    /// or text with YAML indicators); then it is double-quoted. Single- and double-quoted scalars keep their quotes,
    /// with the value escaped as that style requires. An empty value (`key:`) gets ` value` after the colon.
    /// - Parameters:
    ///   - scalar: a scalar of this file (from `documents`).
    ///   - value: the new value.
    /// - Returns: the edited file; all bytes outside the scalar are unchanged.
    /// - Throws: `YAMLError` `.notEditable` for a block scalar or a scalar reached through an alias,
    ///   `.editBreaksFile` (with line and column) when the result does not parse or does not read `value` there.
    public func replacingScalar(at scalar: YAMLScalar, with value: String) throws(YAMLError) -> YAMLFile {
        guard !scalar.throughAlias else {
            throw YAMLError(
                .notEditable, path: path, mark: scalar.start,
                problem: "the value comes from an alias (*name); edit the anchored value instead")
        }
        guard scalar.style != .literal && scalar.style != .folded else {
            throw YAMLError(
                .notEditable, path: path, mark: scalar.start,
                problem: "the value is a block scalar (| or >); write it on one line to let Slipway edit it")
        }
        let range = scalar.byteRange
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, range.lowerBound <= range.upperBound else {
            throw YAMLError(.notEditable, path: path, mark: scalar.start, problem: "the value is not in this file")
        }
        var replacement = Array(YAMLScalarWriter.write(value, as: scalar.style).utf8)
        if range.isEmpty {
            // `key:` with nothing after the colon: `key: value`, keeping what follows apart.
            if range.lowerBound > 0, !Self.isSeparator(bytes[range.lowerBound - 1]) {
                replacement.insert(UInt8(ascii: " "), at: 0)
            }
            if range.upperBound < bytes.count, !Self.isSeparator(bytes[range.upperBound]),
                !",]}".utf8.contains(bytes[range.upperBound])
            {
                replacement.append(UInt8(ascii: " "))
            }
        }
        let edited = try replacingBytes(range, with: replacement)
        let newStart = range.lowerBound + (replacement.first == UInt8(ascii: " ") && range.isEmpty ? 1 : 0)
        guard let written = edited.scalar(startingAt: newStart), written.value == value, written.tag == scalar.tag
        else {
            throw YAMLError(
                .editBreaksFile, path: path, mark: scalar.start,
                problem: "writing `\(value)` here would not read back as that value")
        }
        return edited
    }

    /// Replaces a byte range with other bytes and re-parses the whole result.
    /// - Throws: `YAMLError` `.editBreaksFile` with libyaml's problem, line and column when the result is not
    ///   valid YAML.
    public func replacingBytes(_ range: Range<Int>, with replacement: [UInt8]) throws(YAMLError) -> YAMLFile {
        var edited = bytes
        edited.replaceSubrange(range, with: replacement)
        do {
            return try YAMLFile(bytes: edited, path: path)
        } catch {
            throw YAMLError(
                .editBreaksFile, path: path, mark: error.mark,
                problem: "the edit would make the file invalid YAML: \(error.problem)", context: error.context,
                contextMark: error.contextMark)
        }
    }

    /// The scalar written at byte offset `offset` (not one reached through an alias), if any.
    public func scalar(startingAt offset: Int) -> YAMLScalar? {
        for document in documents {
            guard let root = document.root else { continue }
            if let scalar = root.scalars.first(where: { $0.start.offset == offset && !$0.throughAlias }) {
                return scalar
            }
        }
        return nil
    }

    /// The start of line `line` (1-based) and the end of its content (before its break), as byte offsets. Lines
    /// are counted as libyaml counts them (its marks name them): a break is `\r\n`, `\n` or a lone `\r`.
    public func lineBounds(_ line: Int) -> (start: Int, contentEnd: Int, end: Int)? {
        var current = 1
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                let end = byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? index + 2 : index + 1
                if current == line { return (start, index, end) }
                current += 1
                start = end
                index = end
                continue
            }
            index += 1
        }
        return current == line && start <= bytes.count ? (start, bytes.count, bytes.count) : nil
    }

    /// The line ending the file uses: `\r\n` when it has one, otherwise `\n`.
    public var lineEnding: [UInt8] {
        if let newline = bytes.firstIndex(of: 0x0A), newline > 0, bytes[newline - 1] == 0x0D { return [0x0D, 0x0A] }
        return [0x0A]
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0A || byte == 0x0D
    }
}
