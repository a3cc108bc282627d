/// Why a YAML file could not be read or edited; names the file, line and column.
public struct YAMLError: Error, Sendable, Hashable {
    /// The kind of failure; new kinds may be added.
    public struct Code: Sendable, Hashable {
        fileprivate enum Value: Sendable, Hashable {
            case syntax
            case undefinedAlias
            case tooComplex
            case notEditable
            case editBreaksFile
        }

        fileprivate let value: Value

        /// libyaml rejected the text (its reader, scanner or parser).
        public static let syntax = Code(value: .syntax)
        /// An alias (`*name`) refers to an anchor that was not defined before it.
        public static let undefinedAlias = Code(value: .undefinedAlias)
        /// The file nests too deeply or expands too many aliases to be read safely.
        public static let tooComplex = Code(value: .tooComplex)
        /// The scalar cannot be replaced in place (a block scalar, or a value that cannot be written in its style).
        public static let notEditable = Code(value: .notEditable)
        /// The edited text no longer parses, or no longer reads the new value.
        public static let editBreaksFile = Code(value: .editBreaksFile)
    }

    /// The kind of failure.
    public let code: Code
    /// The file's path as given to the parser; only for messages.
    public let path: String
    /// Where the problem is (1-based line and column), when known.
    public let mark: YAMLMark?
    /// What is wrong, in libyaml's words for syntax errors (`did not find expected key`).
    public let problem: String
    /// libyaml's context (`while parsing a block mapping`) and where that context started, when given.
    public let context: String?
    /// Where the context started.
    public let contextMark: YAMLMark?

    /// Creates an error.
    public init(
        _ code: Code, path: String, mark: YAMLMark?, problem: String, context: String? = nil,
        contextMark: YAMLMark? = nil
    ) {
        self.code = code
        self.path = path
        self.mark = mark
        self.problem = problem
        self.context = context
        self.contextMark = contextMark
    }

    /// The 1-based line of the problem, when known.
    public var line: Int? { mark?.line }
    /// The 1-based column of the problem, when known.
    public var column: Int? { mark?.column }
}

extension YAMLError: CustomStringConvertible {
    /// `clusters/prod/shop/kustomization.yaml line 4, column 3: did not find expected key (while parsing a block
    /// mapping begun at line 2, column 1)`.
    public var description: String {
        var text = path
        if let mark { text += " \(mark)" }
        text += ": \(problem)"
        if let context {
            text += " (\(context)"
            if let contextMark { text += " begun at \(contextMark)" }
            text += ")"
        }
        return text
    }
}
