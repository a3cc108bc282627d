/// Why a GitOps read or commit failed.
///
/// Every failure of one deploy's commit is one of these: the deploy fails cleanly and the checkout is
/// left reset for the next one. `description` says what was wrong and what to do; it never contains
/// credentials (URLs with user info are redacted).
public struct GitOpsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case fileMissing
            case notAKustomization
            case imageEntryMissing
            case invalidTag
            case unsupportedLayout
            case pushRejected
            case gitFailed
            case invalidYAML
        }

        private let code: Code

        private init(_ code: Code) {
            self.code = code
        }

        /// The kustomization file is not in the repository (or the path leaves it).
        public static let fileMissing = Kind(.fileMissing)
        /// The file is not a kustomization (or not a YAML mapping at all).
        public static let notAKustomization = Kind(.notAKustomization)
        /// The kustomization has no `images:` list, or no entry in it for the image.
        public static let imageEntryMissing = Kind(.imageEntryMissing)
        /// The requested tag is not a valid Docker image tag.
        public static let invalidTag = Kind(.invalidTag)
        /// The entry is written in a form that cannot be edited safely line by line
        /// (multi-line flow style, anchors, a pinned digest, duplicate entries).
        public static let unsupportedLayout = Kind(.unsupportedLayout)
        /// The remote refused the push, or kept moving for every attempt.
        public static let pushRejected = Kind(.pushRejected)
        /// A git command failed (network, authentication, a broken checkout).
        public static let gitFailed = Kind(.gitFailed)
        /// The file is not valid YAML (before the edit), or the edit would make it invalid; `file`, `line` and
        /// `column` say where.
        public static let invalidYAML = Kind(.invalidYAML)

        public var description: String { code.rawValue }
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// What went wrong and what to do about it.
    public let message: String
    /// The repository file the problem is in, when it is about one file's content.
    public let file: String?
    /// The 1-based line in `file`, when known.
    public let line: Int?
    /// The 1-based column in `file`, when known.
    public let column: Int?

    init(_ kind: Kind, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { message }
}
