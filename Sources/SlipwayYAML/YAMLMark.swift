/// A position in a YAML file.
public struct YAMLMark: Sendable, Hashable {
    /// The byte offset from the start of the file (UTF-8 bytes, a leading byte order mark included).
    public var offset: Int
    /// The 1-based line, counted from the start of the file (not of the document).
    public var line: Int
    /// The 1-based column, in characters.
    public var column: Int

    /// Creates a mark.
    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }
}

extension YAMLMark: CustomStringConvertible {
    /// `line 3, column 9`.
    public var description: String { "line \(line), column \(column)" }
}
