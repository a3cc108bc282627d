import Foundation

/// Slipway's working clone of the GitOps repository, and the one way deploys change it.
///
/// Each deploy is one commit that sets an image's `newTag:` in one kustomization.yaml, pushed to the
/// branch Flux follows. When someone else pushed first, the change is re-applied on their commit and
/// pushed again, with backoff. Any failure leaves the checkout reset to the remote branch, so the next
/// deploy starts clean.
///
/// git runs as a child process. The actor runs on its own dispatch queue and waits for git there, so
/// it never blocks Swift's cooperative thread pool, and calls never interleave in the checkout.
public actor GitOpsRepository {
    /// Where the repository is and how to commit to it.
    public nonisolated let configuration: Configuration

    private let executor: DispatchQueueExecutor
    private let git: Git
    /// The checkout as an absolute path.
    private let checkout: String
    private var prepared = false

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Creates a repository handle; nothing touches the disk or network until the first call.
    /// - Parameter configuration: where the repository is and how to commit to it.
    public init(configuration: Configuration) {
        self.configuration = configuration
        self.executor = DispatchQueueExecutor(label: "slipway.gitops")
        self.checkout = URL(fileURLWithPath: configuration.checkoutPath).standardizedFileURL.path
        var environment = configuration.environment
        environment["GIT_AUTHOR_NAME"] = configuration.authorName
        environment["GIT_AUTHOR_EMAIL"] = configuration.authorEmail
        environment["GIT_COMMITTER_NAME"] = configuration.authorName
        environment["GIT_COMMITTER_EMAIL"] = configuration.authorEmail
        self.git = Git(environment: environment)
    }

    /// Makes the checkout an up-to-date clone of the branch: clones it when absent, otherwise fetches
    /// and hard-resets to the remote branch (pointing `origin` at the configured URL if it differs).
    /// Later calls do this themselves the first time; call it at startup to find problems early.
    /// - Throws: `GitOpsError` (`.gitFailed`) when git cannot clone or fetch, or the checkout path holds
    ///   something that is not a git clone.
    public func prepare() async throws {
        try prepareCheckout()
    }

    /// The image's `newTag:` in `file` on the remote branch, after a fetch.
    /// - Parameters:
    ///   - file: the kustomization.yaml, relative to the repository root.
    ///   - image: the image name, e.g. `ghcr.io/nortinia-ltd/shop`.
    /// - Returns: the tag, or nil when the entry has no `newTag:`.
    /// - Throws: `GitOpsError` (`.fileMissing`, `.notAKustomization`, `.imageEntryMissing`, `.gitFailed`, ...).
    public func currentTag(file: String, image: String, tagPath: String? = nil) async throws -> String? {
        let path = try repositoryPath(file)
        return try healing { try tag(at: path, image: image, tagPath: tagPath) }
    }

    private func tag(at path: String, image: String, tagPath: String?) throws -> String? {
        try ensurePrepared()
        try fetch()
        let output = try git.run(["cat-file", "blob", "\(remoteRef):\(path)"], in: checkout)
        guard output.succeeded else {
            if output.stderr.contains("does not exist in") || output.stderr.contains("but not in") {
                throw missingFile(path)
            }
            throw failure("cat-file", output)
        }
        return try ImageTagChange.currentTag(in: output.stdout, path: path, image: image, tagPath: tagPath)
    }

    /// Commits and pushes the change: one commit that changes only the entry's `newTag:`.
    ///
    /// Fetches, resets to the remote branch, edits, commits and pushes. When the push is rejected
    /// because someone else pushed first, it waits (exponential backoff with jitter), fetches, re-applies
    /// the edit on the new head and pushes again, up to `maxPushAttempts` times.
    /// - Parameter change: what to set, and who asked for it.
    /// - Returns: `.committed` with the pushed commit, or `.alreadyCurrent` when the branch already has
    ///   the tag (nothing is committed or pushed).
    /// - Throws: `GitOpsError`; the checkout is left reset to the remote branch.
    public func commitImageTag(_ change: ImageTagChange) async throws -> CommitOutcome {
        try await commit(change).outcome
    }

    /// Commits and pushes the change like `commitImageTag(_:)`, and says what the edited file produces.
    /// - Returns: the outcome, the image reference the workload will run (`newName` of a mirroring entry, with the
    ///   tag) and the entry's Flux `$imagepolicy` setter, if any.
    /// - Throws: `GitOpsError`; the checkout is left reset to the remote branch.
    public func commit(_ change: ImageTagChange) async throws -> CommitResult {
        let path = try repositoryPath(change.file)
        try KustomizationImageEditor.validate(tag: change.newTag)
        return try healing { try applyAndPush(change, path: path) }
    }

    /// The image reference (`name:tag`) the file produces at `commit`: what a workload runs once Flux applied it.
    /// - Returns: nil when the file or entry cannot be read there, or names no image.
    public func producedImage(file: String, image: String, tagPath: String? = nil, commit: String) async throws
        -> String?
    {
        let path = try repositoryPath(file)
        return try healing {
            try ensurePrepared()
            var output = try git.run(["cat-file", "blob", "\(commit):\(path)"], in: checkout)
            if !output.succeeded {
                try fetch()
                output = try git.run(["cat-file", "blob", "\(commit):\(path)"], in: checkout)
            }
            guard output.succeeded,
                let tag = try? ImageTagChange.currentTag(in: output.stdout, path: path, image: image, tagPath: tagPath),
                let edit = try? ImageTagChange.edit(
                    output.stdout, path: path, image: image, tagPath: tagPath, newTag: tag)
            else { return nil }
            return "\(edit.producedImage ?? image):\(tag)"
        }
    }

    private func applyAndPush(_ change: ImageTagChange, path: String) throws -> CommitResult {
        try ensurePrepared()
        let attempts = max(1, configuration.maxPushAttempts)
        var attempt = 1
        while true {
            try fetch()
            try resetToRemote()
            let edit = try change.edit(readFile(path), path: path)
            func result(_ outcome: CommitOutcome) -> CommitResult {
                CommitResult(
                    outcome: outcome, producedImage: "\(edit.producedImage ?? change.image):\(change.newTag)",
                    imagePolicy: edit.imagePolicy)
            }
            guard edit.changed else { return result(.alreadyCurrent(tag: change.newTag)) }
            do {
                try write(edit.text, to: path)
                try commit(change, oldTag: edit.oldTag, path: path)
                let commit = try committedRevision()
                switch try push() {
                case .pushed:
                    return result(.committed(commit: commit, oldTag: edit.oldTag))
                case .overtaken where attempt < attempts:
                    pause(beforeAttempt: attempt + 1)
                    attempt += 1
                case .overtaken:
                    throw GitOpsError(
                        .pushRejected,
                        "Could not push \(change.service)/\(change.environment) \(change.newTag) to "
                            + "\(configuration.branch): the branch moved before each of \(attempts) attempts. "
                            + "Try the deploy again in a moment.")
                }
            } catch {
                discardLocalChanges()
                throw error
            }
        }
    }

    /// The sha of the remote branch's head, after a fetch.
    /// - Returns: a 40-hex commit id.
    /// - Throws: `GitOpsError` (`.gitFailed`).
    public func headCommit() async throws -> String {
        try healing {
            try ensurePrepared()
            try fetch()
            return try revision(remoteRef)
        }
    }

    /// The commit on the branch that carries `deployId` in its `Slipway-Deploy-Id:` trailer, if any.
    ///
    /// A process that crashed between pushing and recording the push leaves the deploy in `committing`; on restart
    /// this finds the pushed commit, so the deploy is not committed twice.
    /// - Parameter searchDepth: how many recent commits of the branch to search.
    public func commit(forDeployId deployId: String, searchDepth: Int = 500) async throws -> String? {
        try healing {
            try ensurePrepared()
            try fetch()
            return try findCommit(carrying: deployId, searchDepth: searchDepth)
        }
    }

    /// The commit on the branch that carries `deployId` in its `Slipway-Deploy-Id:` trailer, with the tag it
    /// replaced: the image's `newTag:` in `file` as it was in the commit's parent.
    ///
    /// A deploy pushed just before a crash is recorded by the next process from this, so its message and history
    /// show the real old tag rather than none.
    /// - Parameters:
    ///   - deployId: the deploy's id, as written in the trailer.
    ///   - file: the kustomization.yaml the deploy changed, relative to the repository root.
    ///   - image: the image whose entry the deploy changed.
    ///   - searchDepth: how many recent commits of the branch to search.
    /// - Returns: the commit and previous tag, or nil when no commit on the branch carries the id.
    /// - Throws: `GitOpsError` (`.gitFailed`) when git cannot fetch or search; `.fileMissing` when `file` is not a
    ///   path inside the repository.
    public func pushedDeploy(
        forDeployId deployId: String, file: String, image: String, tagPath: String? = nil, searchDepth: Int = 500
    ) async throws -> PushedDeploy? {
        let path = try repositoryPath(file)
        return try healing {
            try ensurePrepared()
            try fetch()
            guard let commit = try findCommit(carrying: deployId, searchDepth: searchDepth) else { return nil }
            return PushedDeploy(
                commit: commit, previousTag: try tag(before: commit, at: path, image: image, tagPath: tagPath))
        }
    }

    private func findCommit(carrying deployId: String, searchDepth: Int) throws -> String? {
        let output = try git.run(
            [
                "log", "-n", String(searchDepth), "--fixed-strings", "--grep=Slipway-Deploy-Id: \(deployId)",
                "--format=%H %(trailers:key=Slipway-Deploy-Id,valueonly,separator=%x2C)", remoteRef,
            ], in: checkout)
        try check("log", output)
        // --grep matches substrings; the trailer must be exactly this id.
        for line in output.stdout.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let ids = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if ids.contains(deployId) { return String(parts[0]) }
        }
        return nil
    }

    /// The image's `newTag:` in `path` at the parent of `commit`. A parent without the file (or a root commit), or a
    /// file that no longer parses, means the old tag is unknown, not that recovery must fail: the push happened.
    private func tag(before commit: String, at path: String, image: String, tagPath: String?) throws -> String? {
        let output = try git.run(["cat-file", "blob", "\(commit)^:\(path)"], in: checkout)
        guard output.succeeded else { return nil }
        return try? ImageTagChange.currentTag(in: output.stdout, path: path, image: image, tagPath: tagPath)
    }

    // MARK: - Steps

    private var remoteRef: String { "refs/remotes/origin/\(configuration.branch)" }

    /// Runs `body`; when git fails, the next call prepares the checkout again (re-cloning it if it vanished).
    private func healing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GitOpsError where error.kind == .gitFailed {
            prepared = false
            throw error
        }
    }

    /// Prepares once, and again whenever the checkout has vanished since.
    private func ensurePrepared() throws {
        if !prepared || !FileManager.default.fileExists(atPath: checkout + "/.git") { try prepareCheckout() }
    }

    /// The checkout belongs to this process alone, so lock files found while preparing it were left by a git
    /// killed together with an earlier Slipway; without removing them every later commit would fail.
    private func removeStaleLocks() {
        let gitDirectory = checkout + "/.git"
        guard let walker = FileManager.default.enumerator(atPath: gitDirectory) else { return }
        for case let relative as String in walker where relative.hasSuffix(".lock") && !relative.hasPrefix("objects/") {
            try? FileManager.default.removeItem(atPath: gitDirectory + "/" + relative)
        }
    }

    private func prepareCheckout() throws {
        let branch = configuration.branch
        guard !branch.isEmpty, !branch.hasPrefix("-"), !branch.contains(where: { $0 == " " || $0 == ":" }) else {
            throw GitOpsError(.gitFailed, "`\(branch)` is not a usable branch name; set gitops.branch (e.g. main).")
        }
        let files = FileManager.default
        if files.fileExists(atPath: checkout + "/.git") {
            removeStaleLocks()
            let origin = try git.run(["config", "--get", "remote.origin.url"], in: checkout)
            if !origin.succeeded {
                try check("remote add", git.run(["remote", "add", "origin", configuration.url], in: checkout))
            } else if origin.stdout.trimmingCharacters(in: .whitespacesAndNewlines) != configuration.url {
                try check("remote set-url", git.run(["remote", "set-url", "origin", configuration.url], in: checkout))
            }
            try fetch()
            try check("checkout", git.run(["checkout", "-q", "-f", "-B", branch, remoteRef], in: checkout))
            try check("clean", git.run(["clean", "-q", "-ffd"], in: checkout))
        } else {
            if let contents = try? files.contentsOfDirectory(atPath: checkout), !contents.isEmpty {
                throw GitOpsError(
                    .gitFailed,
                    "\(checkout) exists and is not a git clone; remove it or set gitops.checkout to an empty "
                        + "or missing directory.")
            }
            let parent = URL(fileURLWithPath: checkout).deletingLastPathComponent().path
            try? files.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try check(
                "clone",
                git.run([
                    "clone", "-q", "--no-tags", "--single-branch", "--branch", branch, "--", configuration.url,
                    checkout,
                ]))
        }
        prepared = true
    }

    private func fetch() throws {
        let branch = configuration.branch
        try check(
            "fetch",
            git.run(
                [
                    "fetch", "-q", "--no-tags", "origin",
                    "+refs/heads/\(branch):\(remoteRef)",
                ], in: checkout))
    }

    private func resetToRemote() throws {
        try check("reset", git.run(["reset", "-q", "--hard", remoteRef], in: checkout))
    }

    /// Best effort after a failure: the next deploy resets again anyway.
    private func discardLocalChanges() {
        _ = try? git.run(["reset", "-q", "--hard", remoteRef], in: checkout)
    }

    private func revision(_ name: String) throws -> String {
        let output = try git.run(["rev-parse", "--verify", "-q", name + "^{commit}"], in: checkout)
        try check("rev-parse", output)
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit just made on the branch. git has just written it as a loose ref, so reading that file
    /// saves a `rev-parse` process; any other ref storage falls back to asking git.
    private func committedRevision() throws -> String {
        let files = FileManager.default
        let branchRef = "refs/heads/" + configuration.branch
        if let head = files.contents(atPath: checkout + "/.git/HEAD"),
            String(decoding: head, as: UTF8.self) == "ref: \(branchRef)\n",
            let data = files.contents(atPath: checkout + "/.git/" + branchRef)
        {
            let sha = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if sha.count == 40 || sha.count == 64, sha.allSatisfy(\.isHexDigit) { return sha }
        }
        return try revision("HEAD")
    }

    private func readFile(_ path: String) throws -> String {
        let fullPath = checkout + "/" + path
        let files = FileManager.default
        guard let attributes = try? files.attributesOfItem(atPath: fullPath) else { throw missingFile(path) }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw GitOpsError(
                .fileMissing,
                "\(path) on \(configuration.branch) is not a regular file (a directory or symlink); point the "
                    + "environment's kustomization setting at the kustomization.yaml itself.")
        }
        guard let data = files.contents(atPath: fullPath), let text = String(data: data, encoding: .utf8) else {
            throw GitOpsError(.notAKustomization, "\(path) is not UTF-8 text, so it is not a kustomization.yaml.")
        }
        return text
    }

    private func write(_ text: String, to path: String) throws {
        // In place, not atomically: a rename would not keep the file's mode, and git would commit that.
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: checkout + "/" + path))
        } catch {
            throw GitOpsError(.gitFailed, "Cannot write \(path) in \(checkout): \(error.localizedDescription)")
        }
    }

    private func commit(_ change: ImageTagChange, oldTag: String?, path: String) throws {
        try check(
            "commit",
            git.run(
                [
                    "commit", "-q", "--no-verify", "--no-gpg-sign", "--cleanup=verbatim",
                    "-m", change.commitMessage(oldTag: oldTag), "--", path,
                ], in: checkout))
    }

    private enum PushResult {
        case pushed
        /// Someone else updated the branch first; re-apply and try again.
        case overtaken
    }

    private func push() throws -> PushResult {
        let output = try git.run(
            ["push", "--porcelain", "origin", "HEAD:refs/heads/\(configuration.branch)"], in: checkout)
        if output.succeeded { return .pushed }
        let report = output.stdout + "\n" + output.stderr
        if report.contains("[rejected]") { return .overtaken }
        if let line = report.split(separator: "\n").first(where: { $0.contains("[remote rejected]") }) {
            let lostRace = ["cannot lock ref", "failed to update ref", "failed to lock", "incorrect old value"]
            if lostRace.contains(where: { line.contains($0) }) { return .overtaken }
            let reason = line.split(separator: "\t").last.map(String.init) ?? String(line)
            throw GitOpsError(
                .pushRejected,
                redacting(
                    "The GitOps remote refused the push to \(configuration.branch): \(reason). Check the branch "
                        + "protection rules and hooks allow \(configuration.authorName) to push."))
        }
        throw failure("push", output)
    }

    /// Exponential backoff with jitter, so competing writers spread out: base, 2×base, 4×base, ... plus up to
    /// the same again at random. Blocking is fine: this is the repository's own queue, and it serializes
    /// deploys anyway.
    private func pause(beforeAttempt attempt: Int) {
        let base = configuration.retryBaseDelay * (1 << min(attempt - 2, 10))
        let delay = min(base + base * Double.random(in: 0..<1), .seconds(5))
        let (seconds, attoseconds) = delay.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }

    // MARK: - Paths and errors

    /// The file's path inside the checkout, refusing anything that could leave it.
    private func repositoryPath(_ file: String) throws -> String {
        let components = file.split(separator: "/").filter { $0 != "." }
        guard !file.hasPrefix("/"), !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == ".git" })
        else {
            throw GitOpsError(
                .fileMissing,
                "`\(file)` is not a path inside the GitOps repository; name the kustomization relative to the "
                    + "repository root, e.g. clusters/prod/shop/kustomization.yaml.")
        }
        return components.joined(separator: "/")
    }

    private func missingFile(_ path: String) -> GitOpsError {
        GitOpsError(
            .fileMissing,
            "\(path) does not exist on branch \(configuration.branch) of the GitOps repository; create it or fix "
                + "the environment's kustomization setting.")
    }

    private func check(_ action: String, _ output: Git.Output) throws {
        guard output.succeeded else { throw failure(action, output) }
    }

    private func failure(_ action: String, _ output: Git.Output) -> GitOpsError {
        let lines = output.stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        var detail = lines.filter { !$0.isEmpty }.suffix(6).joined(separator: " / ")
        if detail.count > 600 { detail = String(detail.prefix(600)) + "…" }
        if detail.isEmpty { detail = "no message" }
        return GitOpsError(
            .gitFailed,
            redacting(
                "git \(action) failed (exit \(output.status)) for the GitOps repository "
                    + "\(Self.redactingCredentials(in: configuration.url)): \(detail)"))
    }

    /// Removes the configured URL's credentials from text, wherever git echoed them.
    private func redacting(_ text: String) -> String {
        var text = Self.redactingCredentials(in: text)
        if let userInfo = Self.userInfo(in: configuration.url), userInfo.count >= 4 {
            text = text.replacingOccurrences(of: userInfo, with: "***")
        }
        return text
    }

    /// Masks the user info of every `scheme://user:secret@host` URL in `text`.
    /// - Parameter text: any text, such as git's error output.
    /// - Returns: the text with each URL's user info replaced by `***`.
    public static func redactingCredentials(in text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            result += rest[..<separator.upperBound]
            rest = rest[separator.upperBound...]
            let authorityEnd = rest.firstIndex { "/?# \t\r\n'\"<>`".contains($0) } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result += "***@"
                rest = rest[rest.index(after: at)...]
            }
        }
        return result + rest
    }

    private static func userInfo(in url: String) -> String? {
        guard let separator = url.range(of: "://") else { return nil }
        let rest = url[separator.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return nil }
        return String(rest[..<at])
    }
}
