import Foundation
import SlipwayGitOps
import SlipwaySubprocess

/// A throwaway GitOps repository for tests: a local bare remote seeded with a realistic layout.
///
/// Layout (every `newTag` starts at `GitFixture.initialTag`):
///
///     README.md
///     clusters/staging/shop/  kustomization.yaml (Flux imagepolicy marker on the newTag line), deployment.yaml
///     clusters/prod/shop/     kustomization.yaml (indentless lists, double-quoted tag, comments), deployment.yaml
///     clusters/staging/api/   kustomization.yaml (renaming entry: name: api, newName: ghcr.io/nortinia-ltd/api,
///                             single-quoted tag), deployment.yaml (image: api:placeholder)
///     clusters/prod/api/      kustomization.yaml (newTag: before name:, a second unrelated entry), deployment.yaml
///
/// Remove it with `remove()` when the test ends.
public struct GitFixture: Sendable {
    /// The tag every kustomization starts with.
    public static let initialTag = "main-0000000"
    /// The image of a service: `ghcr.io/nortinia-ltd/<service>`.
    public static func image(_ service: String) -> String { "ghcr.io/nortinia-ltd/\(service)" }
    /// The kustomization of a service in an environment, relative to the repository root.
    public static func kustomization(_ service: String, _ environment: String) -> String {
        "clusters/\(environment)/\(service)/kustomization.yaml"
    }

    /// The temporary directory holding everything.
    public let root: String
    /// The bare repository that plays the remote (usable as a git URL).
    public let remote: String
    /// The clone that seeded the remote.
    public let seedClone: String
    /// A clone standing for another engineer or tool pushing to the same branch.
    public let otherClone: String
    /// The branch everything is on.
    public let branch = "main"

    /// Creates the bare remote, seeds it and makes the second clone.
    public init() throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("slipway-gitops-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        self.root = root
        self.remote = root + "/remote.git"
        self.seedClone = root + "/seed"
        self.otherClone = root + "/other"

        try Self.git(["init", "-q", "--bare", "-b", branch, remote])
        try Self.git(["init", "-q", "-b", branch, seedClone])
        for (path, text) in Self.seedFiles {
            try write(text, to: seedClone + "/" + path)
        }
        try Self.git(["add", "-A"], in: seedClone)
        try Self.git(["commit", "-q", "-m", "Seed GitOps layout"], in: seedClone)
        try Self.git(["remote", "add", "origin", remote], in: seedClone)
        try Self.git(["push", "-q", "origin", "HEAD:refs/heads/\(branch)"], in: seedClone)
        try Self.git(["clone", "-q", remote, otherClone])
    }

    /// A path under `root` that does not exist yet, for a checkout.
    public func path(_ name: String) -> String { root + "/" + name }

    /// Makes another clone of the remote.
    /// - Returns: its path.
    @discardableResult
    public func makeClone(named name: String) throws -> String {
        let path = path(name)
        try Self.git(["clone", "-q", remote, path])
        return path
    }

    /// Pushes a commit from `otherClone` on top of the remote branch, as another engineer would.
    /// - Parameters:
    ///   - file: the file to write, relative to the repository root.
    ///   - text: its new contents; by default a line that differs every call.
    ///   - message: the commit message.
    /// - Returns: the pushed commit's sha.
    @discardableResult
    public func pushFromOtherClone(
        file: String = "README.md", text: String? = nil, message: String = "docs: unrelated change"
    ) throws -> String {
        try Self.git(["fetch", "-q", "origin"], in: otherClone)
        try Self.git(["reset", "-q", "--hard", "origin/\(branch)"], in: otherClone)
        let contents = text ?? "# GitOps\n\nEdited by someone else: \(UUID().uuidString)\n"
        try write(contents, to: otherClone + "/" + file)
        try Self.git(["add", "--", file], in: otherClone)
        try Self.git(["commit", "-q", "-m", message], in: otherClone)
        try Self.git(["push", "-q", "origin", "HEAD:refs/heads/\(branch)"], in: otherClone)
        return try Self.git(["rev-parse", "HEAD"], in: otherClone).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Makes the next `times` fetches by the clone at `checkout` each be followed, before the fetch
    /// returns, by a push from `otherClone`: whatever the clone commits next is then behind the remote,
    /// and its push is rejected exactly as when someone else pushes between its fetch and its push.
    ///
    /// Works by pointing the clone's `remote.origin.uploadpack` at a wrapper script.
    public func raceNextFetches(of checkout: String, times: Int) throws {
        let script = root + "/race-\(UUID().uuidString.prefix(8)).sh"
        let counter = script + ".count"
        let git =
            "env -u GIT_DIR -u GIT_WORK_TREE -u GIT_INDEX_FILE git -C '\(otherClone)' "
            + "-c user.name=Other -c user.email=other@nortinia.example "
            + "-c commit.gpgSign=false -c core.hooksPath=/dev/null"
        let text = """
            #!/bin/sh
            git upload-pack "$@"
            status=$?
            count=$(cat '\(counter)' 2>/dev/null || echo 0)
            count=$((count + 1))
            echo "$count" > '\(counter)'
            if [ "$count" -le \(times) ]; then
              {
                \(git) fetch -q origin &&
                \(git) reset -q --hard origin/\(branch) &&
                echo "race $count $$" >> '\(otherClone)/RACES.md' &&
                \(git) add RACES.md &&
                \(git) commit -q -m "chore: concurrent push $count" &&
                \(git) push -q origin HEAD:refs/heads/\(branch)
              } >/dev/null 2>&1 </dev/null
            fi
            exit $status

            """
        try write(text, to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try Self.git(["config", "remote.origin.uploadpack", script], in: checkout)
    }

    /// A file's contents on the remote branch (or at `revision`).
    public func remoteFile(_ path: String, at revision: String? = nil) throws -> String {
        try remoteGit(["show", "\(revision ?? branch):\(path)"])
    }

    /// The remote branch's history, newest first, one line per commit in `format` (`git log --format`).
    public func remoteLog(format: String = "%H %s") throws -> [String] {
        try remoteGit(["log", "--format=\(format)", branch]).split(separator: "\n").map(String.init)
    }

    /// The sha of the remote branch's head.
    public func remoteHead() throws -> String {
        try remoteGit(["rev-parse", branch]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs git against the bare remote (`git --git-dir <remote> ...`) and returns its output.
    @discardableResult
    public func remoteGit(_ arguments: [String]) throws -> String {
        try Self.git(["--git-dir", remote] + arguments)
    }

    /// Runs git in a directory and returns its output.
    @discardableResult
    public func git(_ arguments: [String], in directory: String) throws -> String {
        try Self.git(arguments, in: directory)
    }

    /// Deletes everything the fixture made.
    public func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - Running git

    /// A git failure in the fixture itself (a broken test setup, not a product error).
    public struct GitCommandFailed: Error, CustomStringConvertible {
        public let description: String
    }

    @discardableResult
    private static func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        let settings = [
            "user.name=Fixture", "user.email=fixture@nortinia.example", "commit.gpgSign=false",
            "core.hooksPath=/dev/null", "core.autocrlf=false", "gc.auto=0", "init.defaultBranch=main",
        ].flatMap { ["-c", $0] }
        let result = try Subprocess.run(
            "git", (directory.map { ["-C", $0] } ?? []) + settings + arguments, environment: GitEnvironment.cleaned())
        guard result.succeeded else {
            throw GitCommandFailed(
                description: "git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderrText)")
        }
        return result.stdoutText
    }

    private func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    // MARK: - The seeded layout

    private static var seedFiles: [(String, String)] {
        [
            ("README.md", "# GitOps\n\nFlux applies clusters/<env>/<service>. Slipway commits image tags.\n"),
            (
                "clusters/staging/shop/kustomization.yaml",
                """
                # Shop on staging. Slipway and Flux image automation both edit newTag below.
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: shop-staging
                resources:
                  - deployment.yaml
                images:
                  - name: ghcr.io/nortinia-ltd/shop
                    newTag: \(initialTag) # {"$imagepolicy": "flux-system:shop-staging:tag"}

                """
            ),
            ("clusters/staging/shop/deployment.yaml", deployment("shop", image: "\(image("shop")):\(initialTag)")),
            (
                "clusters/prod/shop/kustomization.yaml",
                """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: shop
                resources:
                - deployment.yaml
                images:
                # Production shop: only Slipway changes this, after an approval.
                - name: ghcr.io/nortinia-ltd/shop
                  newTag: "\(initialTag)"  # pinned by Slipway

                """
            ),
            ("clusters/prod/shop/deployment.yaml", deployment("shop", image: "\(image("shop")):\(initialTag)")),
            (
                "clusters/staging/api/kustomization.yaml",
                """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: api-staging
                resources:
                  - deployment.yaml
                images:
                  # The manifests say image: api; this entry points it at the registry.
                  - name: api
                    newName: ghcr.io/nortinia-ltd/api
                    newTag: '\(initialTag)'

                """
            ),
            ("clusters/staging/api/deployment.yaml", deployment("api", image: "api:placeholder")),
            (
                "clusters/prod/api/kustomization.yaml",
                """
                kind: Kustomization
                apiVersion: kustomize.config.k8s.io/v1beta1
                namespace: api
                resources:
                  - deployment.yaml
                images:
                  - newTag: \(initialTag)
                    name: ghcr.io/nortinia-ltd/api
                  - name: docker.io/library/busybox  # the init container; not deployed by Slipway
                    newTag: "1.36"

                """
            ),
            ("clusters/prod/api/deployment.yaml", deployment("api", image: "\(image("api")):\(initialTag)")),
        ]
    }

    private static func deployment(_ name: String, image: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
          labels:
            app: \(name)
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: \(name)
          template:
            metadata:
              labels:
                app: \(name)
            spec:
              initContainers:
                - name: wait
                  image: docker.io/library/busybox:1.36
                  command: ["sh", "-c", "true"]
              containers:
                - name: \(name)
                  image: \(image)
                  ports:
                    - containerPort: 8080

        """
    }
}
