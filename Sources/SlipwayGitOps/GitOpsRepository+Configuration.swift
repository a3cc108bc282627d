import Foundation

extension GitOpsRepository {
    /// Where the GitOps repository is and how Slipway commits to it.
    public struct Configuration: Sendable, CustomStringConvertible {
        /// Any URL git accepts, a local path included. May carry credentials (`https://x:token@host/...`);
        /// they never appear in errors or in `description`. A relative local path is made absolute against
        /// `baseDirectory` (the current directory unless given) when the configuration is created: git runs inside
        /// the checkout, where it would mean something else.
        public var url: String
        /// The branch Flux follows.
        public var branch: String
        /// The local working clone, created by `prepare()`; Slipway owns it and resets it freely.
        public var checkoutPath: String
        /// Author and committer name of deploy commits.
        public var authorName: String
        /// Author and committer email of deploy commits.
        public var authorEmail: String
        /// How many times a push is tried when someone else keeps pushing first.
        public var maxPushAttempts: Int
        /// The first wait before re-applying a rejected change; it doubles each attempt, plus jitter.
        public var retryBaseDelay: Duration
        /// Extra environment for git (added to the process's own, which is inherited:
        /// `GIT_SSH_COMMAND`, `SSH_AUTH_SOCK`, `HOME` and the like).
        public var environment: [String: String]
        /// How deploy commits are signed, so branch rules that require signed commits accept them; nil: unsigned.
        public var signing: Signing?
        /// A token for an HTTPS remote. git gets it from its environment through a credential helper that names
        /// only the variable; it is never in git's arguments, the checkout's `.git/config`, errors or logs.
        public var token: String?
        /// Clone with `--filter=blob:none`: only the blobs a deploy touches are fetched (large repositories).
        public var partialClone: Bool

        /// Creates a configuration.
        public init(
            url: String, branch: String = "main", checkoutPath: String, authorName: String, authorEmail: String,
            maxPushAttempts: Int = 5, retryBaseDelay: Duration = .milliseconds(50),
            environment: [String: String] = [:], baseDirectory: String = FileManager.default.currentDirectoryPath,
            signing: Signing? = nil, token: String? = nil, partialClone: Bool = false
        ) {
            self.signing = signing
            self.token = token
            self.partialClone = partialClone
            self.url = Self.absoluteLocalPath(url, in: baseDirectory)
            self.branch = branch
            self.checkoutPath = checkoutPath
            self.authorName = authorName
            self.authorEmail = authorEmail
            self.maxPushAttempts = maxPushAttempts
            self.retryBaseDelay = retryBaseDelay
            self.environment = environment
        }

        /// `url` made absolute against `directory` when it is a relative local path; other URLs unchanged. Git's
        /// rules: `scheme://…` is a URL, `host:path` with no slash before the colon is scp-like ssh, anything else is
        /// a path.
        static func absoluteLocalPath(_ url: String, in directory: String) -> String {
            guard !url.isEmpty, !url.hasPrefix("/"), !url.contains("://") else { return url }
            if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") { return url }
            return URL(fileURLWithPath: url, relativeTo: URL(fileURLWithPath: directory, isDirectory: true))
                .standardizedFileURL.path
        }

        /// The settings without secrets: the URL's user info is masked, environment values and the token are left
        /// out.
        public var description: String {
            var text =
                "GitOps \(GitOpsRepository.redactingCredentials(in: url)) branch \(branch) at \(checkoutPath) "
                + "as \(authorName) <\(authorEmail)>"
            if let signing { text += ", commits signed (\(signing.format.rawValue))" }
            if token != nil { text += ", HTTPS token from the environment" }
            if partialClone { text += ", partial clone" }
            return text
        }
    }
}

extension GitOpsRepository {
    /// How deploy commits are signed.
    public struct Signing: Sendable, Hashable {
        /// The signature format git writes (`gpg.format`).
        public enum Format: String, Sendable, Hashable, CaseIterable {
            /// An ssh key (`gpg.format=ssh`); `keyFile` is the private key (or its `.pub`, with the key in an agent).
            case ssh
            /// An OpenPGP key; `keyFile` is an armored secret key without passphrase, imported into a keyring of
            /// Slipway's own inside the checkout's `.git`.
            case openpgp
        }

        /// The signature format.
        public var format: Format
        /// The key file.
        public var keyFile: String

        /// Creates signing settings.
        public init(format: Format, keyFile: String) {
            self.format = format
            self.keyFile = keyFile
        }
    }
}
