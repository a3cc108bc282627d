import Foundation
import SlipwayGitOps
import SlipwayTesting
import Testing

@Suite("GitOpsRepository against a local bare remote")
struct GitOpsRepositoryTests {
    let fixture: GitFixture

    init() throws {
        fixture = try GitFixture()
    }

    private func repository(_ checkout: String = "slipway", maxPushAttempts: Int = 5) -> GitOpsRepository {
        GitOpsRepository(
            configuration: .init(
                url: fixture.remote, branch: "main", checkoutPath: fixture.path(checkout), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example", maxPushAttempts: maxPushAttempts,
                retryBaseDelay: .milliseconds(5)))
    }

    private func change(
        _ service: String = "shop", _ environment: String = "prod", tag: String = "main-5d6e7f8",
        sourceCommit: String? = "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e", note: String? = nil
    ) -> ImageTagChange {
        ImageTagChange(
            file: GitFixture.kustomization(service, environment), image: GitFixture.image(service), newTag: tag,
            service: service, environment: environment, deployId: "dep-\(service)-\(environment)-\(tag)",
            requestedBy: "@dana (U0DANA)", sourceCommit: sourceCommit, note: note)
    }

    /// Asserts the checkout has no changes and sits on the remote branch's head.
    private func expectClean(_ checkout: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = fixture.path(checkout)
        #expect(try fixture.git(["status", "--porcelain"], in: path) == "", sourceLocation: sourceLocation)
        let head = try fixture.git(["rev-parse", "HEAD"], in: path).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head == (try fixture.remoteHead()), sourceLocation: sourceLocation)
    }

    private func expectGitOpsError(
        _ kind: GitOpsError.Kind, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as GitOpsError {
            #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func theCommitLandsWithItsMessageTrailersAndAuthor() async throws {
        defer { fixture.remove() }
        let repository = repository()
        let outcome = try await repository.commitImageTag(change(note: "Promoted from staging."))

        let head = try fixture.remoteHead()
        #expect(outcome == .committed(commit: head, oldTag: GitFixture.initialTag))
        #expect(head.count == 40 && head.allSatisfy(\.isHexDigit))
        #expect(
            try fixture.remoteGit(["log", "-1", "--format=%B", "main"]) == """
                deploy(shop/prod): main-0000000 → main-5d6e7f8

                Promoted from staging.

                Slipway-Deploy-Id: dep-shop-prod-main-5d6e7f8
                Requested-By: @dana (U0DANA)
                Source-Commit: 5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e


                """)
        #expect(
            try fixture.remoteGit(["log", "-1", "--format=%an <%ae>|%cn <%ce>", "main"])
                == "Slipway <slipway@nortinia.example>|Slipway <slipway@nortinia.example>\n")
        #expect(
            try fixture.remoteGit(["log", "-1", "--format=%(trailers:key=Slipway-Deploy-Id,valueonly)", "main"])
                == "dep-shop-prod-main-5d6e7f8\n\n")
        #expect(try await repository.headCommit() == head)
        try expectClean("slipway")
    }

    @Test func onlyTheTagLineChanges() async throws {
        defer { fixture.remove() }
        let file = GitFixture.kustomization("shop", "staging")
        let before = try fixture.remoteFile(file)
        _ = try await repository().commitImageTag(change("shop", "staging", tag: "main-abcdef1", sourceCommit: nil))

        let diff = try fixture.remoteGit(["diff", "--no-color", "-U0", "main~1", "main"])
        let changed = diff.split(separator: "\n").filter {
            ($0.hasPrefix("+") || $0.hasPrefix("-")) && !$0.hasPrefix("+++") && !$0.hasPrefix("---")
        }
        #expect(
            changed == [
                #"-    newTag: main-0000000 # {"$imagepolicy": "flux-system:shop-staging:tag"}"#,
                #"+    newTag: main-abcdef1 # {"$imagepolicy": "flux-system:shop-staging:tag"}"#,
            ])
        #expect(try fixture.remoteGit(["diff", "--name-only", "main~1", "main"]) == file + "\n")
        #expect(try fixture.remoteFile(file) == before.replacingOccurrences(of: "main-0000000", with: "main-abcdef1"))
        #expect(try fixture.remoteLog(format: "%s").first == "deploy(shop/staging): main-0000000 → main-abcdef1")
        #expect(try fixture.remoteGit(["log", "-1", "--format=%B", "main"]).contains("Source-Commit") == false)
    }

    @Test func theSameTagAgainCommitsNothing() async throws {
        defer { fixture.remove() }
        let repository = repository()
        guard case .committed = try await repository.commitImageTag(change()) else {
            Issue.record("first deploy should commit")
            return
        }
        let head = try fixture.remoteHead()
        #expect(try await repository.commitImageTag(change()) == .alreadyCurrent(tag: "main-5d6e7f8"))
        #expect(try fixture.remoteHead() == head)
        #expect(try fixture.remoteLog().count == 2)
        try expectClean("slipway")
    }

    @Test func readsTheCurrentTagFromTheRemote() async throws {
        defer { fixture.remove() }
        let repository = repository()
        let file = GitFixture.kustomization("api", "staging")
        #expect(try await repository.currentTag(file: file, image: GitFixture.image("api")) == GitFixture.initialTag)
        let edited = try fixture.remoteFile(file).replacingOccurrences(of: "main-0000000", with: "main-fromflux")
        try fixture.pushFromOtherClone(file: file, text: edited, message: "Flux image automation")
        #expect(try await repository.currentTag(file: file, image: GitFixture.image("api")) == "main-fromflux")
        await expectGitOpsError(.fileMissing, containing: "clusters/prod/web/kustomization.yaml does not exist") {
            _ = try await repository.currentTag(
                file: "clusters/prod/web/kustomization.yaml", image: GitFixture.image("web"))
        }
    }

    @Test func aPushFromSomeoneElseBeforeTheDeployIsBuiltOn() async throws {
        defer { fixture.remove() }
        let repository = repository()
        try await repository.prepare()
        let theirs = try fixture.pushFromOtherClone()
        guard case .committed(let ours, _) = try await repository.commitImageTag(change()) else {
            Issue.record("expected a commit")
            return
        }
        #expect(try fixture.remoteGit(["rev-parse", "\(ours)^"]).hasPrefix(theirs))
        #expect(try fixture.remoteGit(["rev-list", "--merges", "main"]) == "")
    }

    @Test func aRejectedPushIsReappliedOnTheNewHead() async throws {
        defer { fixture.remove() }
        let repository = repository()
        try await repository.prepare()
        // Each of the next three fetches is followed by someone else's push: three pushes are rejected.
        try fixture.raceNextFetches(of: fixture.path("slipway"), times: 3)

        let outcome = try await repository.commitImageTag(change())
        let subjects = try fixture.remoteLog(format: "%s")
        #expect(
            subjects == [
                "deploy(shop/prod): main-0000000 → main-5d6e7f8", "chore: concurrent push 3",
                "chore: concurrent push 2",
                "chore: concurrent push 1", "Seed GitOps layout",
            ])
        #expect(outcome == .committed(commit: try fixture.remoteHead(), oldTag: GitFixture.initialTag))
        #expect(try fixture.remoteGit(["rev-list", "--merges", "main"]) == "")
        #expect(try fixture.remoteFile("RACES.md").split(separator: "\n").count == 3)
        try expectClean("slipway")
    }

    @Test func givesUpAfterMaxPushAttemptsAndLeavesTheCheckoutClean() async throws {
        defer { fixture.remove() }
        let repository = repository(maxPushAttempts: 3)
        try await repository.prepare()
        try fixture.raceNextFetches(of: fixture.path("slipway"), times: 3)
        await expectGitOpsError(.pushRejected, containing: "the branch moved before each of 3 attempts") {
            _ = try await repository.commitImageTag(change())
        }
        #expect(try fixture.remoteLog(format: "%s").first == "chore: concurrent push 3")
        // The last racing push came after our last fetch: the checkout is clean at what it last fetched.
        let checkout = fixture.path("slipway")
        #expect(try fixture.git(["status", "--porcelain"], in: checkout) == "")
        #expect(
            try fixture.git(["rev-parse", "HEAD"], in: checkout)
                == (try fixture.git(["rev-parse", "refs/remotes/origin/main"], in: checkout)))
        // And the next deploy goes through.
        guard case .committed = try await repository.commitImageTag(change()) else {
            Issue.record("expected the next deploy to commit")
            return
        }
        try expectClean("slipway")
    }

    @Test func concurrentDeploysFromTwoCheckoutsAllLand() async throws {
        defer { fixture.remove() }
        let first = repository("slipway-a")
        let second = repository("slipway-b")
        try await first.prepare()
        try await second.prepare()
        let changes = [
            change("shop", "staging", tag: "main-1111111"), change("api", "staging", tag: "main-2222222"),
            change("shop", "prod", tag: "main-3333333"), change("api", "prod", tag: "main-4444444"),
            change("shop", "staging", tag: "main-5555555"), change("api", "prod", tag: "main-6666666"),
        ]
        let outcomes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for (index, change) in changes.enumerated() {
                let repository = index.isMultiple(of: 2) ? first : second
                group.addTask { try await repository.commitImageTag(change) }
            }
            return try await group.reduce(into: [CommitOutcome]()) { $0.append($1) }
        }

        #expect(outcomes.count == changes.count)
        #expect(outcomes.allSatisfy { if case .committed = $0 { true } else { false } })
        let log = try fixture.remoteLog(format: "%H %s")
        #expect(log.count == changes.count + 1)
        for case .committed(let commit, _) in outcomes {
            #expect(log.contains { $0.hasPrefix(commit) }, "commit \(commit) was lost")
        }
        #expect(try fixture.remoteGit(["rev-list", "--merges", "main"]) == "")
        // Each environment ends on the tag of whichever of its deploys landed last.
        for (service, environment) in [("shop", "staging"), ("api", "staging"), ("shop", "prod"), ("api", "prod")] {
            let file = GitFixture.kustomization(service, environment)
            let lastSubject = log.map { String($0.dropFirst(41)) }
                .first { $0.hasPrefix("deploy(\(service)/\(environment))") }
            let tag = try await first.currentTag(file: file, image: GitFixture.image(service))
            #expect(lastSubject?.hasSuffix("→ \(tag ?? "?")") == true, "\(file): \(tag ?? "nil")")
        }
        // The unrelated busybox entry in prod/api was never touched.
        #expect(try fixture.remoteFile(GitFixture.kustomization("api", "prod")).contains("newTag: \"1.36\""))
    }

    @Test func deployErrorsAreCleanFailures() async throws {
        defer { fixture.remove() }
        let repository = repository()
        var missing = change()
        missing.file = "clusters/prod/web/kustomization.yaml"
        await expectGitOpsError(.fileMissing, containing: "clusters/prod/web/kustomization.yaml does not exist") {
            _ = try await repository.commitImageTag(missing)
        }
        try expectClean("slipway")

        var notKustomization = change()
        notKustomization.file = "clusters/prod/shop/deployment.yaml"
        await expectGitOpsError(.notAKustomization, containing: "is a Deployment manifest") {
            _ = try await repository.commitImageTag(notKustomization)
        }
        var wrongImage = change()
        wrongImage.image = "ghcr.io/nortinia-ltd/web"
        await expectGitOpsError(
            .imageEntryMissing,
            containing: "clusters/prod/shop/kustomization.yaml has no images: entry for ghcr.io/nortinia-ltd/web"
        ) {
            _ = try await repository.commitImageTag(wrongImage)
        }
        await expectGitOpsError(.invalidTag, containing: "`main 5d6e7f8` is not a valid image tag") {
            _ = try await repository.commitImageTag(change(tag: "main 5d6e7f8"))
        }
        var escaping = change()
        escaping.file = "../../etc/passwd"
        await expectGitOpsError(.fileMissing, containing: "is not a path inside the GitOps repository") {
            _ = try await repository.commitImageTag(escaping)
        }
        try expectClean("slipway")
        #expect(try fixture.remoteLog().count == 1)
    }

    @Test func prepareReusesAndCleansAnExistingCheckout() async throws {
        defer { fixture.remove() }
        _ = try await repository().commitImageTag(change())
        let checkout = fixture.path("slipway")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: checkout + "/stray.txt"))
        try Data("edited".utf8).write(to: URL(fileURLWithPath: checkout + "/README.md"))
        try fixture.pushFromOtherClone()
        let marker = checkout + "/.git/slipway-marker"
        try Data().write(to: URL(fileURLWithPath: marker))
        try fixture.git(["remote", "set-url", "origin", fixture.path("moved.git")], in: checkout)

        let restarted = repository()
        try await restarted.prepare()
        #expect(FileManager.default.fileExists(atPath: marker), "prepare must not re-clone")
        #expect(try fixture.git(["config", "--get", "remote.origin.url"], in: checkout) == fixture.remote + "\n")
        try expectClean("slipway")
        #expect(!FileManager.default.fileExists(atPath: checkout + "/stray.txt"))
    }

    @Test("a relative gitops.url (as in the example config) still works after a restart")
    func relativeRemotePathSurvivesARestart() async throws {
        defer { fixture.remove() }
        // The remote as a path relative to the process's directory, like `var/gitops-remote.git`.
        let here = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: here) + fixture.remote.dropFirst()
        func relativeRepository() -> GitOpsRepository {
            GitOpsRepository(
                configuration: .init(
                    url: relative, branch: "main", checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                    authorEmail: "slipway@nortinia.example", retryBaseDelay: .milliseconds(5)))
        }
        _ = try await relativeRepository().commitImageTag(change(tag: "main-1111111"))
        // A new process on the same checkout: git runs inside the checkout, where the relative path means nothing.
        let restarted = relativeRepository()
        #expect(
            try await restarted.commitImageTag(change(tag: "main-2222222"))
                == .committed(commit: try fixture.remoteHead(), oldTag: "main-1111111"))
        try expectClean("slipway")
    }

    @Test("only relative local paths are made absolute; URLs and scp-like addresses are kept as written")
    func urlForms() {
        defer { fixture.remove() }
        func configured(_ url: String) -> String {
            GitOpsRepository.Configuration(url: url, checkoutPath: "c", authorName: "a", authorEmail: "e").url
        }
        let here = FileManager.default.currentDirectoryPath
        for kept in [
            "git@github.com:nortinia-ltd/gitops.git", "https://x:token@github.com/nortinia-ltd/gitops.git",
            "ssh://git@github.com/nortinia-ltd/gitops.git", "file:///srv/gitops.git", "/srv/gitops.git",
        ] {
            #expect(configured(kept) == kept)
        }
        #expect(configured("var/gitops-remote.git") == here + "/var/gitops-remote.git")
        #expect(configured("./var/../gitops.git") == here + "/gitops.git")
        #expect(configured("repos/a:b.git") == here + "/repos/a:b.git")
    }

    @Test func aDeletedCheckoutIsClonedAgain() async throws {
        defer { fixture.remove() }
        let repository = repository()
        _ = try await repository.commitImageTag(change(tag: "main-1111111"))
        try FileManager.default.removeItem(atPath: fixture.path("slipway"))
        #expect(
            try await repository.commitImageTag(change(tag: "main-2222222"))
                == .committed(commit: try fixture.remoteHead(), oldTag: "main-1111111"))
        try expectClean("slipway")
    }

    @Test func errorsNeverShowCredentials() async throws {
        defer { fixture.remove() }
        let repository = GitOpsRepository(
            configuration: .init(
                url: "https://slipway-bot:ghp_s3cretT0ken@127.0.0.1:9/nortinia-ltd/gitops.git",
                checkoutPath: fixture.path("unreachable"), authorName: "Slipway", authorEmail: "s@nortinia.example"))
        do {
            try await repository.prepare()
            Issue.record("cloning from a closed port should fail")
        } catch let error as GitOpsError {
            #expect(error.kind == .gitFailed)
            #expect(!error.description.contains("s3cretT0ken"), "\(error)")
            #expect(!error.description.contains("slipway-bot"), "\(error)")
            #expect(error.description.contains("https://***@127.0.0.1:9/nortinia-ltd/gitops.git"), "\(error)")
        }
        #expect(!repository.configuration.description.contains("s3cretT0ken"))
        #expect(
            GitOpsRepository.redactingCredentials(in: "fatal: unable to access 'https://u:p@h.example/x.git/': 403")
                == "fatal: unable to access 'https://***@h.example/x.git/': 403")
    }

    @Test("a pushed deploy is found again by its Slipway-Deploy-Id trailer, from another checkout")
    func findsCommitByDeployId() async throws {
        defer { fixture.remove() }
        let first = repository("first")
        guard case .committed(let commit, _) = try await first.commitImageTag(change()) else {
            Issue.record("expected a commit")
            return
        }
        // A new process (another checkout) looks the deploy up after a crash.
        let restarted = repository("after-restart")
        #expect(try await restarted.commit(forDeployId: "dep-shop-prod-main-5d6e7f8") == commit)
        #expect(try await restarted.commit(forDeployId: "dep-shop-prod-main-0000000") == nil)
        #expect(try await restarted.commit(forDeployId: "dep-shop-prod") == nil)
    }

    @Test("a deploy pushed before a crash is found with the tag its commit replaced, read from the parent commit")
    func pushedDeployNamesThePreviousTag() async throws {
        defer { fixture.remove() }
        let first = repository("first")
        _ = try await first.commitImageTag(change(tag: "main-1111111"))
        guard case .committed(let commit, _) = try await first.commitImageTag(change(tag: "main-2222222")) else {
            Issue.record("expected a commit")
            return
        }
        // Later commits (another deploy's, someone else's) do not change what the deploy replaced.
        _ = try await first.commitImageTag(change(tag: "main-3333333"))
        try fixture.pushFromOtherClone()

        let restarted = repository("after-restart")
        let file = GitFixture.kustomization("shop", "prod")
        let image = GitFixture.image("shop")
        #expect(
            try await restarted.pushedDeploy(forDeployId: "dep-shop-prod-main-2222222", file: file, image: image)
                == PushedDeploy(commit: commit, previousTag: "main-1111111"))
        let firstDeploy = try await restarted.pushedDeploy(
            forDeployId: "dep-shop-prod-main-1111111", file: file, image: image)
        #expect(firstDeploy?.previousTag == GitFixture.initialTag)
        #expect(
            try await restarted.pushedDeploy(forDeployId: "dep-shop-prod-main-4444444", file: file, image: image)
                == nil)
        // Asked about another image, the parent has no such entry: the old tag is unknown, the commit still found.
        let otherImage = try await restarted.pushedDeploy(
            forDeployId: "dep-shop-prod-main-2222222", file: file, image: "ghcr.io/nortinia-ltd/unknown")
        #expect(otherImage == PushedDeploy(commit: commit, previousTag: nil))
    }

    @Test("lock files left by a git killed with an earlier process do not block the next commit")
    func staleLockAfterCrash() async throws {
        defer { fixture.remove() }
        _ = try await repository("crashed").commitImageTag(change(tag: "main-1111111"))
        let lock = fixture.path("crashed") + "/.git/index.lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        let restarted = repository("crashed")
        let outcome = try await restarted.commitImageTag(change(tag: "main-2222222"))
        guard case .committed = outcome else {
            Issue.record("expected a commit, got \(outcome)")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: lock))
    }
}
