import Foundation
import SlipwayGitOps
import SlipwayHTTP
import SlipwaySubprocess
import SlipwayTesting
import Synchronization
import Testing

/// Signed commits, an HTTPS token from the environment and a partial clone, against real git.
@Suite("GitOpsRepository as organisations run it")
struct GitOpsRepositoryOrganisationTests {
    let fixture: GitFixture

    init() throws {
        fixture = try GitFixture()
    }

    private func change(tag: String = "main-5d6e7f8") -> ImageTagChange {
        ImageTagChange(
            file: GitFixture.kustomization("shop", "prod"), image: GitFixture.image("shop"), newTag: tag,
            service: "shop", environment: "prod", deployId: "dep-\(tag)", requestedBy: "@dana (U0DANA)")
    }

    private func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws
        -> Subprocess.Result
    {
        let prefix = directory.map { ["-C", $0] } ?? []
        return try Subprocess.run(
            executable, executable == "git" ? prefix + arguments : arguments, environment: GitEnvironment.cleaned())
    }

    @Test func sshSignedCommitsVerifyWithGitVerifyCommit() async throws {
        defer { fixture.remove() }
        let key = fixture.path("signing-key")
        let generated = try run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "slipway", "-f", key])
        #expect(generated.succeeded, "\(generated.stderrText)")
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example", signing: .init(format: .ssh, keyFile: key)))
        guard case .committed(let commit, _) = try await repository.commitImageTag(change()) else {
            Issue.record("nothing was committed")
            return
        }
        // A verifier that trusts exactly this key, as a branch rule with the key registered does.
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let allowed = fixture.path("allowed_signers")
        try Data("slipway@nortinia.example \(publicKey)".utf8).write(to: URL(fileURLWithPath: allowed))
        let verifier = try fixture.makeClone(named: "verifier")
        let verified = try run(
            "git", ["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", commit], in: verifier)
        #expect(verified.succeeded, "\(verified.stderrText)")
        #expect(verified.stderrText.contains("Good \"git\" signature for slipway@nortinia.example"))

        // An unsigned commit does not verify: the check above can fail.
        let unsigned = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("plain"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example"))
        guard case .committed(let plain, _) = try await unsigned.commitImageTag(change(tag: "main-6e7f8a9")) else {
            Issue.record("nothing was committed")
            return
        }
        _ = try run("git", ["fetch", "-q", "origin"], in: verifier)
        let refused = try run(
            "git", ["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", plain], in: verifier)
        #expect(!refused.succeeded)
    }

    @Test func openPGPSignedCommitsVerify() async throws {
        defer { fixture.remove() }
        let home = fixture.path("gnupg-author")
        try FileManager.default.createDirectory(
            atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let generated = try run(
            "gpg",
            [
                "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "",
                "--quick-generate-key", "Slipway <slipway@nortinia.example>", "ed25519", "sign", "never",
            ])
        #expect(generated.succeeded, "\(generated.stderrText)")
        let exported = try run(
            "gpg",
            [
                "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", "", "--armor",
                "--export-secret-keys",
            ])
        let key = fixture.path("signing.asc")
        try Data(exported.stdout).write(to: URL(fileURLWithPath: key))
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example", signing: .init(format: .openpgp, keyFile: key)))
        guard case .committed(let commit, _) = try await repository.commitImageTag(change()) else {
            Issue.record("nothing was committed")
            return
        }
        let verifier = try fixture.makeClone(named: "verifier")
        var environment = GitEnvironment.cleaned()
        environment["GNUPGHOME"] = home
        let verified = try Subprocess.run(
            "git", ["-C", verifier, "verify-commit", commit], environment: environment)
        #expect(verified.succeeded, "\(verified.stderrText)")
        #expect(verified.stderrText.contains("Good signature from \"Slipway <slipway@nortinia.example>\""))
    }

    @Test func aMissingSigningKeyFailsTheCommitClearly() async throws {
        defer { fixture.remove() }
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example",
                signing: .init(format: .ssh, keyFile: fixture.path("no-such-key"))))
        do {
            _ = try await repository.commitImageTag(change())
            Issue.record("an unsigned commit was pushed")
        } catch let error as GitOpsError {
            #expect(error.message.contains("signing key"))
            #expect(error.message.contains("gitops.signing.keyFile"))
        }
        #expect(try fixture.remoteFile(GitFixture.kustomization("shop", "prod")).contains(GitFixture.initialTag))
    }

    /// An HTTPS remote that asks for Basic credentials and records what it gets.
    final class CredentialCheckingRemote: Sendable {
        let server = FakeServer()
        let authorizations = Mutex<[String]>([])

        init() throws {
            try server.start(serving: self) { remote, request in
                guard let authorization = request.headers["Authorization"] else {
                    return HTTPResponse(status: 401, headers: ["WWW-Authenticate": "Basic realm=\"gitops\""])
                }
                remote.authorizations.withLock { $0.append(authorization) }
                return .text(403, "no repository here")
            }
        }
    }

    @Test func anHTTPSTokenReachesTheRemoteButNeverArgumentsConfigOrErrors() async throws {
        defer { fixture.remove() }
        let token = "ghs_test\(UUID().uuidString.prefix(8))secret"
        let remote = try CredentialCheckingRemote()
        // A `git` first on PATH that records its arguments and whether the token variable reached it.
        let bin = fixture.path("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let record = fixture.path("git-invocations")
        let realGit = Subprocess.locate("git", searchPath: GitEnvironment.cleaned()["PATH"]) ?? "/usr/bin/git"
        let wrapper = """
            #!/bin/sh
            printf '%s\\n' "ARGS $*" >> '\(record)'
            [ -n "$SLIPWAY_GITOPS_TOKEN" ] && echo "TOKEN-VARIABLE-SET" >> '\(record)'
            exec '\(realGit)' "$@"

            """
        try Data(wrapper.utf8).write(to: URL(fileURLWithPath: bin + "/git"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin + "/git")
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let repository = GitOpsRepository(
            configuration: .init(
                url: remote.server.baseURL + "/acme/gitops.git", checkoutPath: fixture.path("https"),
                authorName: "Slipway", authorEmail: "slipway@nortinia.example", environment: ["PATH": path],
                token: token))
        var message = ""
        do {
            try await repository.prepare()
            Issue.record("the clone of a remote that refuses should fail")
        } catch let error as GitOpsError {
            message = error.message
        }
        // The remote got the token through git's credential helper, as Basic credentials.
        let expected = "Basic " + Data("x-access-token:\(token)".utf8).base64EncodedString()
        #expect(remote.authorizations.withLock { $0 }.contains(expected))
        // … and the token is nowhere else: not in git's arguments, the error, or any file git left.
        let invocations = try String(contentsOfFile: record, encoding: .utf8)
        #expect(invocations.contains("ARGS "))
        #expect(invocations.contains("TOKEN-VARIABLE-SET"))
        #expect(!invocations.contains(token))
        #expect(!message.contains(token))
        #expect(!"\(repository.configuration)".contains(token))
        if let files = FileManager.default.enumerator(atPath: fixture.root) {
            for case let file as String in files {
                let contents = FileManager.default.contents(atPath: fixture.root + "/" + file) ?? Data()
                #expect(!String(decoding: contents, as: UTF8.self).contains(token), "\(file)")
            }
        }
    }

    @Test func aPartialCloneFetchesNoBlobsUpFrontAndStillCommits() async throws {
        defer { fixture.remove() }
        _ = try fixture.remoteGit(["config", "uploadpack.allowFilter", "true"])
        let repository = GitOpsRepository(
            configuration: .init(
                url: "file://" + fixture.remote, checkoutPath: fixture.path("partial"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example", partialClone: true))
        #expect(try await repository.commitImageTag(change()) != .alreadyCurrent(tag: "main-5d6e7f8"))
        let checkout = fixture.path("partial")
        let filter = try run("git", ["config", "remote.origin.partialclonefilter"], in: checkout)
        #expect(filter.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "blob:none")
        let promisor = try run("git", ["config", "remote.origin.promisor"], in: checkout)
        #expect(promisor.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "true")
        #expect(try fixture.remoteFile(GitFixture.kustomization("shop", "prod")).contains("main-5d6e7f8"))
    }
}

@Suite("GitOpsRepository with a HelmRelease file")
struct GitOpsRepositoryHelmReleaseTests {
    let fixture: GitFixture

    init() throws {
        fixture = try GitFixture()
    }

    @Test func commitsTheTagAtItsPathAndFindsItAgain() async throws {
        defer { fixture.remove() }
        let path = "apps/shop/values.yaml"
        let values = "# values\nimage:\n  registry: registry.internal\n  repository: mirror/shop\n  tag: \"1.10\"\n"
        try fixture.pushFromOtherClone(file: path, text: values, message: "shop values")
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example"))
        let change = ImageTagChange(
            file: path, image: GitFixture.image("shop"), newTag: "1.11", service: "shop", environment: "prod",
            deployId: "dep-helm", requestedBy: "ci", tagPath: "image.tag")
        let result = try await repository.commit(change)
        guard case .committed(let commit, let oldTag) = result.outcome else {
            Issue.record("nothing was committed")
            return
        }
        #expect(oldTag == "1.10")
        #expect(result.producedImage == "registry.internal/mirror/shop:1.11")
        #expect(try fixture.remoteFile(path) == values.replacingOccurrences(of: "\"1.10\"", with: "\"1.11\""))
        #expect(try await repository.currentTag(file: path, image: change.image, tagPath: "image.tag") == "1.11")
        let pushed = try await repository.pushedDeploy(
            forDeployId: "dep-helm", file: path, image: change.image, tagPath: "image.tag")
        #expect(pushed == PushedDeploy(commit: commit, previousTag: "1.10"))
        #expect(
            try await repository.producedImage(file: path, image: change.image, tagPath: "image.tag", commit: commit)
                == "registry.internal/mirror/shop:1.11")
    }
}
