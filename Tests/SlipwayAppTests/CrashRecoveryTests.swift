import DeployCore
import Foundation
import SlipwayApp
import SlipwayGitOps
import SlipwayHTTP
import SlipwayStore
import SlipwaySubprocess
import SlipwayTesting
import Testing

/// Deploys in flight survive a restart: the next process resumes them from the store and ends each exactly once,
/// without a second GitOps commit or a second Slack message.
@Suite("Crash recovery: deploys in flight are resumed and end exactly once", .serialized, .harnessScope)
struct CrashRecoveryTests {
    // MARK: - In process

    /// The environment the harness gives its Application.
    static func environment(_ h: SlipwayHarness) -> [String: String] {
        [
            "SLACK_SIGNING_SECRET": SlipwayHarness.signingSecret, "SLACK_BOT_TOKEN": h.slack.token,
            "SLIPWAY_WEBHOOK_SECRET": SlipwayHarness.webhookSecret, "FLUX_WEBHOOK_TOKEN": SlipwayHarness.fluxToken,
            "PAGERDUTY_ROUTING_KEY": SlipwayHarness.routingKey, "KUBE_TOKEN": h.kubernetes.token,
        ]
    }

    /// A second Application on the harness's SQLite file, config and fakes: the process after a restart.
    static func restart(_ h: SlipwayHarness) throws -> Application {
        let environment = environment(h)
        let app = try Application(
            config: h.config, secrets: try Application.Secrets.load(h.config, environment: environment),
            options: Application.Options(channelPaceSeconds: 0, log: Log(minimum: .error), baseDirectory: h.directory),
            environment: environment)
        try app.start()
        return app
    }

    /// Commits on the remote branch whose `Slipway-Deploy-Id:` trailer is `id`.
    static func commits(carrying id: String, in git: GitFixture) throws -> Int {
        try git.remoteGit(["log", "--format=%(trailers:key=Slipway-Deploy-Id,valueonly)", "main"])
            .split(whereSeparator: \.isNewline).filter { $0.trimmingCharacters(in: .whitespaces) == id }.count
    }

    static func stateChanges(_ store: any Store, _ id: String) throws -> [String] {
        try store.read { r in try r.auditEvents(deployId: id) }.map(\.action).filter { $0.hasPrefix("state:") }
    }

    /// Deploy-channel posts and green updates of one deploy's message.
    static func slackWrites(_ slack: FakeSlack, _ id: String) -> (posts: Int, green: Int) {
        let posts = slack.calls(method: "chat.postMessage").filter {
            $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(id)
        }
        let green = slack.calls(method: "chat.update").filter {
            $0.bodyText.contains(id) && $0.bodyText.contains("✅")
        }
        return (posts.count, green.count)
    }

    @Test("stopped mid-rollout, a second Application on the same store finishes the deploy exactly once")
    func resumesMidRollout() async throws {
        let h = try SlipwayHarness()
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
        let first = Task { await h.app.runServices() }
        _ = try await h.reply("/deploy shop staging main-c0ffee1")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(
            await h.waitUntil(timeout: 15) {
                let stored = try h.deploy(deploy.id)
                return stored?.state == .rollingOut && stored?.message != nil
            })
        first.cancel()
        _ = await first.value
        h.app.drain()

        // The rollout finishes while no Slipway runs.
        h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
        let second = try Self.restart(h)
        let services = Task { await second.runServices() }
        defer {
            services.cancel()
            second.drain()
        }
        #expect(
            await h.waitUntil(timeout: 15) {
                try second.store.read { r in try r.deploy(id: deploy.id) }?.state == .succeeded
            })
        #expect(await h.waitUntil { Self.slackWrites(h.slack, deploy.id).green >= 1 })
        try await Task.sleep(nanoseconds: 700_000_000)  // room for a duplicate to show up

        let changes = try Self.stateChanges(second.store, deploy.id)
        #expect(changes.filter { $0 == "state:succeeded" }.count == 1)
        #expect(changes.filter { $0 == "state:verifying" }.count == 1)
        #expect(changes.filter { $0 == "state:reconciling" }.count == 1)
        #expect(changes.last == "state:succeeded")
        #expect(try Self.commits(carrying: deploy.id, in: h.git) == 1)
        let writes = Self.slackWrites(h.slack, deploy.id)
        #expect(writes.posts == 1, "one deploy message, posted by the first process")
        #expect(writes.green == 1, "one green update")
    }

    @Test("pushed but not recorded (crash between push and store): the next process resumes with that commit")
    func pushedButNotRecorded() async throws {
        let h = try SlipwayHarness()
        // The first process accepts the deploy and pushes it, but dies before recording the push.
        _ = try await h.reply("/deploy shop staging main-5afe5af")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(deploy.state == .committing)
        let outcome = try await h.app.gitops.commitImageTag(
            ImageTagChange(
                file: GitFixture.kustomization("shop", "staging"), image: GitFixture.image("shop"),
                newTag: "main-5afe5af", service: "shop", environment: "staging", deployId: deploy.id,
                requestedBy: "(U0ALICE)"))
        guard case .committed(let pushed, _) = outcome else {
            Issue.record("the simulated push did not commit: \(outcome)")
            return
        }
        h.app.drain()

        let second = try Self.restart(h)
        let services = Task { await second.runServices() }
        defer {
            services.cancel()
            second.drain()
        }
        #expect(
            await h.waitUntil(timeout: 15) {
                try second.store.read { r in try r.deploy(id: deploy.id) }?.state.isTerminal == true
            })
        let ended = try #require(try second.store.read { r in try r.deploy(id: deploy.id) })
        #expect(ended.state == .succeeded, "ended \(ended.state.rawValue): \(ended.note ?? "")")
        #expect(ended.gitCommit == pushed)
        #expect(ended.previousTag == GitFixture.initialTag, "the tag the pushed commit replaced, read from git")
        // The deploy message shows the real old tag, not `?`.
        #expect(await h.waitUntil { Self.slackWrites(h.slack, deploy.id).green >= 1 })
        let updates = h.slack.calls(method: "chat.update").filter { $0.bodyText.contains(deploy.id) }
        let green = try #require(updates.last { $0.bodyText.contains("✅") })
        #expect(green.bodyText.contains(GitFixture.initialTag), "\(green.bodyText)")
        #expect(!green.bodyText.contains("`?`"), "\(green.bodyText)")
        #expect(try Self.commits(carrying: deploy.id, in: h.git) == 1, "no second commit for the deploy")
        #expect(try h.git.remoteHead() == pushed)
        #expect(try Self.stateChanges(second.store, deploy.id).filter { $0 == "state:reconciling" }.count == 1)
    }

    // MARK: - kill -9 of the real executable

    @Test(
        "kill -9 mid-rollout: `slipway serve` started again on the same config ends the deploy once",
        .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"))
    func killNineMidRollout() async throws {
        let world = try ProcessWorld()
        defer { world.remove() }
        world.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)

        let first = try await world.serveReady()
        defer { first.kill() }
        let reply = try world.slashCommand("/deploy shop staging main-d1e9d1e")
        #expect(reply.contains("main-d1e9d1e"), "reply: \(reply)")
        let store = try SQLiteStore(path: world.storePath)
        let id = try #require(
            try store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 1) }.first?.id)
        #expect(
            await world.waitUntil(timeout: 20) {
                let stored = try store.read { r in try r.deploy(id: id) }
                return stored?.state == .rollingOut && stored?.message != nil
            })
        first.kill()  // SIGKILL: no drain, no cleanup
        #expect(first.exitSignal == SIGKILL)

        world.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
        let second = try await world.serveReady()
        defer { second.kill() }
        #expect(
            await world.waitUntil(timeout: 20) { try store.read { r in try r.deploy(id: id) }?.state == .succeeded })
        #expect(await world.waitUntil { Self.slackWrites(world.slack, id).green >= 1 })
        try await Task.sleep(nanoseconds: 700_000_000)
        second.terminate()

        let changes = try Self.stateChanges(store, id)
        #expect(changes.filter { $0 == "state:succeeded" }.count == 1)
        #expect(changes.filter { $0 == "state:reconciling" }.count == 1)
        #expect(try Self.commits(carrying: id, in: world.git) == 1)
        // Outbox rows the killed process left pending are delivered by the next one, rendered from the deploy as
        // it is then: the message may be updated to the same green content more than once, never back.
        #expect(Self.slackWrites(world.slack, id).posts == 1)
        let updates = world.slack.calls(method: "chat.update").filter { $0.bodyText.contains(id) }.map(\.bodyText)
        let firstGreen = try #require(updates.firstIndex { $0.contains("✅") })
        #expect(Set(updates[firstGreen...]).count == 1, "after the green update only identical green ones follow")
    }

    @Test(
        "kill -9 while the push is in flight: the restarted process does not commit the deploy twice",
        .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"))
    func killNineDuringPush() async throws {
        let world = try ProcessWorld()
        defer { world.remove() }
        // The remote holds the first push in its pre-receive hook for 2 s; the process is killed meanwhile. The
        // orphaned `git push` finishes on its own: the commit lands while the store still says `committing`.
        let marker = world.directory + "/hold-push"
        let hook = world.git.remote + "/hooks/pre-receive"
        try "#!/bin/sh\nif [ -e '\(marker)' ]; then rm -f '\(marker)'; sleep 2; fi\nexit 0\n".write(
            toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        _ = FileManager.default.createFile(atPath: marker, contents: Data())

        let first = try await world.serveReady()
        defer { first.kill() }
        _ = try world.slashCommand("/deploy shop staging main-0dd0dd0")
        #expect(await world.waitUntil(timeout: 15) { !FileManager.default.fileExists(atPath: marker) })
        first.kill()
        let store = try SQLiteStore(path: world.storePath)
        let id = try #require(
            try store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 1) }.first?.id)
        #expect(try store.read { r in try r.deploy(id: id) }?.state == .committing)
        // Wait for the orphaned push to land (or not) before restarting.
        #expect(await world.waitUntil(timeout: 5) { try Self.commits(carrying: id, in: world.git) == 1 })
        try await Task.sleep(nanoseconds: 300_000_000)

        let second = try await world.serveReady()
        defer { second.kill() }
        #expect(
            await world.waitUntil(timeout: 20) {
                try store.read { r in try r.deploy(id: id) }?.state.isTerminal == true
            })
        try await Task.sleep(nanoseconds: 500_000_000)
        second.terminate()

        #expect(try Self.commits(carrying: id, in: world.git) == 1, "exactly one GitOps commit for the deploy")
        let ended = try #require(try store.read { r in try r.deploy(id: id) })
        let terminal = try Self.stateChanges(store, id).filter {
            ["state:succeeded", "state:failed", "state:cancelled", "state:superseded"].contains($0)
        }
        #expect(terminal.count == 1)
        #expect(ended.state == .succeeded, "ended \(ended.state.rawValue): \(ended.note ?? "")")
        #expect(ended.gitCommit == (try world.git.remoteHead()))
    }
}

// MARK: - Running the executable

/// The `slipway` executable built next to the test bundle.
enum SlipwayProcess {
    static let binary: String? = {
        let candidates = [
            URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("slipway").path,
            FileManager.default.currentDirectoryPath + "/.build/debug/slipway",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// What one run of the binary printed and how it ended.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `slipway` with `arguments` to its end.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        let result = try Subprocess.run(try #require(binary), arguments, environment: environment)
        return Run(status: result.status, stdout: result.stdoutText, stderr: result.stderrText)
    }
}

/// The fakes and files a `slipway serve` process runs against; they outlive the process, so a second one can be
/// started on the same config, store and checkout.
final class ProcessWorld: @unchecked Sendable {
    let directory: String
    let git: GitFixture
    let slack: FakeSlack
    let pagerDuty: FakePagerDuty
    let kubernetes: FakeKubernetes
    let port: Int
    let configPath: String
    var storePath: String { directory + "/slipway.sqlite" }
    let environment: [String: String]

    init() throws {
        // The test reads the store while `slipway serve` runs: both processes share the SQLite file.
        setenv("SLIPWAY_SQLITE_SHARED", "1", 1)
        directory = NSTemporaryDirectory() + "slipway-crash-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        git = try GitFixture()
        slack = try FakeSlack(users: ["carol@nortinia.example": "U0CAROL"])
        pagerDuty = try FakePagerDuty()
        kubernetes = try FakeKubernetes(rolloutSteps: 2)
        SlipwayHarness.linkCluster(kubernetes, to: git)
        port = 20_000 + Int.random(in: 0..<20_000)
        configPath = directory + "/slipway.json"
        try SlipwayHarness.writeProcessConfig(
            to: configPath, port: port, kubernetes: kubernetes, git: git, checkout: directory + "/checkout",
            slack: slack, pagerDuty: pagerDuty, store: ["sqlite": ["path": directory + "/slipway.sqlite"]])
        environment = SlipwayHarness.processEnvironment(
            slack: slack, kubernetes: kubernetes, home: directory, extra: ["SLIPWAY_SQLITE_SHARED": "1"])
    }

    /// Starts `slipway serve --config …` and waits until its `/ready` answers 200; a process that exits or is not
    /// ready within 10 s is killed and the test fails with its exit status.
    func serveReady() async throws -> Server {
        let server = Server(
            process: try Subprocess.start(
                SlipwayProcess.binary!, ["serve", "--config", configPath], environment: environment),
            port: port)
        if await server.waitUntilReady() { return server }
        server.kill()
        throw NotReady(exitStatus: server.process.exitStatus)
    }

    struct NotReady: Error, CustomStringConvertible {
        var exitStatus: Int32?
        var description: String {
            "slipway serve did not answer 200 on /ready within 10 s (exit status \(exitStatus.map(String.init) ?? "none"))"
        }
    }

    /// Sends a signed slash command through `slipway try` and returns what it printed.
    func slashCommand(_ line: String, as user: String = "U0ALICE") throws -> String {
        try Subprocess.run(
            SlipwayProcess.binary!, ["try", "--config", configPath, line, "--as", user], environment: environment,
            mergeStandardError: true
        ).stdoutText
    }

    @discardableResult
    func waitUntil(timeout: Double = 10, _ condition: () throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 25_000_000)
        }
        return (try? condition()) == true
    }

    func remove() {
        slack.stop()
        pagerDuty.stop()
        kubernetes.stop()
        git.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One running `slipway serve`.
    struct Server {
        let process: Subprocess.Child
        let port: Int

        func waitUntilReady() async -> Bool {
            let client = CurlHTTPClient()
            let ready = HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/ready", timeout: 1)
            for _ in 0..<200 {
                if (try? client.send(ready).status) == 200 { return true }
                guard process.isRunning else { return false }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
            return false
        }

        /// SIGKILL, then waits for the process to be gone.
        func kill() {
            process.send(SIGKILL)
            process.waitUntilExit()
        }

        /// SIGTERM (graceful drain), then waits.
        func terminate() {
            process.send(SIGTERM)
            process.waitUntilExit()
        }

        /// The signal that ended the process, if one did.
        var exitSignal: Int32? {
            guard let status = process.exitStatus, status > 128 else { return nil }
            return status - 128
        }
    }
}
