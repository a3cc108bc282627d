/// A source revision as Flux reports it in `lastAppliedRevision`, `lastAttemptedRevision` and artifacts.
///
/// Accepted forms: `main@sha1:<40 hex>` (Flux v2), `main/<40 hex>` (legacy, before Flux 2.0), `sha1:<hex>`, and a
/// plain commit sha. Branch names may contain `/` (`release/1.2@sha1:…`).
public struct FluxRevision: Sendable, Hashable, CustomStringConvertible {
    /// The branch or tag name, when the revision carries one.
    public var reference: String?
    /// The digest algorithm, `sha1` for git commits (`sha256` for SHA-256 repositories and OCI artifacts).
    public var algorithm: String
    /// The lowercase hex digest (the git commit sha).
    public var digest: String

    public init(reference: String?, algorithm: String = "sha1", digest: String) {
        self.reference = reference
        self.algorithm = algorithm
        self.digest = digest.lowercased()
    }

    /// Parses a revision string.
    /// - Parameter text: e.g. `main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738`.
    /// - Returns: nil when the text holds no hex digest.
    public init?(_ text: String) {
        let text = Self.trimmed(text)
        if let at = text.lastIndex(of: "@") {
            let reference = String(text[..<at])
            guard let (algorithm, digest) = Self.algorithmAndDigest(text[text.index(after: at)...]) else { return nil }
            self.init(reference: reference.isEmpty ? nil : reference, algorithm: algorithm, digest: digest)
        } else if let parsed = Self.algorithmAndDigest(Substring(text)), text.contains(":") {
            self.init(reference: nil, algorithm: parsed.0, digest: parsed.1)
        } else if let slash = text.lastIndex(of: "/") {
            let digest = text[text.index(after: slash)...]
            guard Self.isHex(digest) else { return nil }
            let reference = String(text[..<slash])
            self.init(reference: reference.isEmpty ? nil : reference, algorithm: "sha1", digest: String(digest))
        } else {
            guard Self.isHex(Substring(text)) else { return nil }
            self.init(reference: nil, algorithm: "sha1", digest: text)
        }
    }

    /// The Flux v2 form, `main@sha1:<digest>` (or `sha1:<digest>` without a reference).
    public var description: String {
        reference.map { "\($0)@\(algorithm):\(digest)" } ?? "\(algorithm):\(digest)"
    }

    /// Whether this revision is the given commit.
    ///
    /// An abbreviated sha (at least 7 hex digits) matches the full one.
    /// - Parameter commit: A full or abbreviated commit sha, or another revision string.
    public func matches(commit: String) -> Bool {
        let other = FluxRevision(commit)?.digest ?? commit.lowercased()
        guard other.count >= 7, !digest.isEmpty else { return false }
        return digest.count >= other.count ? digest.hasPrefix(other) : other.hasPrefix(digest) && digest.count >= 7
    }

    /// Whether two revision strings name the same commit, whatever their form.
    public static func sameCommit(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b, let left = FluxRevision(a) else { return false }
        return left.matches(commit: b)
    }

    private static func algorithmAndDigest(_ text: Substring) -> (String, String)? {
        guard let colon = text.firstIndex(of: ":") else {
            return isHex(text) ? ("sha1", String(text)) : nil
        }
        let algorithm = text[..<colon]
        let digest = text[text.index(after: colon)...]
        guard !algorithm.isEmpty, isHex(digest) else { return nil }
        return (String(algorithm), String(digest))
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    private static func isHex(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
}
