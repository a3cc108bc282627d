import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwayStore
import SlipwaySubprocess
import SlipwayTesting
import Testing

/// The `ha` overlay as it runs: its config, two real `slipway serve` processes on one PostgreSQL database.
@Suite(
    "Two replicas: the ha overlay's config serves one deploy once", .serialized, .harnessScope,
    .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
    .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
struct TwoReplicaTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// One `slipway serve` process.
    struct Replica: Sendable {
        let process: Subprocess.Child
        let port: Int
        /// Where `/ready` is served: `server.adminPort` when the config has one, else `server.port`.
        let readyPort: Int
        let configPath: String

        var baseURL: String { "http://127.0.0.1:\(port)" }
    }

    @Test(
        "a CI webhook sent to both replicas and /deploy through one: one deploy, one commit, one message, one success")
    func oneDeployOnce() async throws {
        let directory = NSTemporaryDirectory() + "slipway-ha-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        TestScope.removeOnExit(directory)
        let database = try TestPostgres.makeDatabase()
        TestScope.onExit { database.drop() }
        let git = try GitFixture()
        TestScope.onExit { git.remove() }
        let slack = try FakeSlack(users: ["alice@nortinia.example": "U0ALICE"])
        TestScope.onExit { slack.stop() }
        let pagerDuty = try FakePagerDuty()
        TestScope.onExit { pagerDuty.stop() }
        let kubernetes = try FakeKubernetes(rolloutSteps: 2)
        TestScope.onExit { kubernetes.stop() }
        SlipwayHarness.linkCluster(kubernetes, to: git)

        let environment = [
            "SLACK_SIGNING_SECRET": SlipwayHarness.signingSecret, "SLACK_BOT_TOKEN": slack.token,
            "SLIPWAY_WEBHOOK_SECRET": SlipwayHarness.webhookSecret, "FLUX_WEBHOOK_TOKEN": SlipwayHarness.fluxToken,
            "PAGERDUTY_ROUTING_KEY": SlipwayHarness.routingKey, "KUBE_TOKEN": kubernetes.token,
            "DATABASE_URL": database.url,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": ProcessInfo.processInfo.environment["HOME"] ?? directory,
        ]
        var replicas: [Replica] = []
        for index in 0..<2 {
            let replica = try Self.start(
                index: index, directory: directory, environment: environment, slack: slack, pagerDuty: pagerDuty,
                kubernetes: kubernetes, git: git)
            TestScope.onExit {
                replica.process.send(SIGKILL)
                _ = replica.process.waitUntilExit()
            }
            replicas.append(replica)
        }
        for replica in replicas {
            #expect(await Self.waitUntilReady(replica), "replica on port \(replica.port) did not become ready")
        }

        // CI retries against whichever replica the load balancer picks: the same repo:sha:env reaches both at once.
        let sha = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0"
        let tag = "main-c1d2e3f"
        let body = Array(
            try JSONSerialization.data(
                withJSONObject: [
                    "repo": "nortinia-ltd/shop", "sha": sha, "tag": tag, "env": "staging",
                    "author": ["name": "Alice", "email": "alice@nortinia.example"], "message": "Faster checkout",
                ] as [String: Any], options: [.sortedKeys]))
        let (one, other) = (replicas[0], replicas[1])
        async let first = Self.imageBuilt(body, to: one)
        async let second = Self.imageBuilt(body, to: other)
        let answers = try await [first, second]
        #expect(
            answers.map(\.status).sorted() == [200, 202],
            "one replica creates the deploy, the other answers with it: \(answers.map(\.bodyText))")
        let ids = answers.map(Self.deployId)
        let id = try #require(ids[0])
        #expect(ids[1] == id, "both replicas answer with the same deploy id")

        let store = try PostgresStore(url: database.url, maxConnections: 1)
        #expect(
            await Self.waitUntil(timeout: 40) { try store.read { r in try r.deploy(id: id) }?.state.isTerminal == true }
        )
        let ended = try #require(try store.read { r in try r.deploy(id: id) })
        #expect(ended.state == .succeeded, "ended \(ended.state.rawValue): \(ended.note ?? "")")
        #expect(ended.targetTag == tag)

        // /deploy of the same image through the other replica: nothing new to deploy.
        let reply = try Subprocess.run(
            SlipwayProcess.binary!, ["try", "--config", replicas[1].configPath, "/deploy shop staging \(tag)"],
            environment: environment, mergeStandardError: true
        ).stdoutText
        #expect(reply.contains("already the current tag"), "reply: \(reply)")

        #expect(await Self.waitUntil { Self.deployPosts(slack, id) >= 1 })
        try await Task.sleep(nanoseconds: 1_000_000_000)  // room for a duplicate to show up
        let deploys = try store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 10) }
        #expect(deploys.map(\.id) == [id], "one deploy for the image")
        let states = try store.read { r in try r.auditEvents(deployId: id) }.map(\.action)
        #expect(states.filter { $0 == "state:succeeded" }.count == 1, "\(states)")
        #expect(states.filter { $0 == "state:committing" }.count == 1, "\(states)")
        #expect(try CrashRecoveryTests.commits(carrying: id, in: git) == 1, "exactly one GitOps commit for the deploy")
        #expect(Self.deployPosts(slack, id) == 1, "one deploy message in the deploy channel")

        for replica in replicas {
            replica.process.send(SIGTERM)
            #expect(replica.process.waitUntilExit() == 0, "replica on port \(replica.port) drains and exits 0")
        }
    }

    /// Writes the ha overlay's `slipway.json` with only what must differ on one machine, and starts `slipway serve`.
    static func start(
        index: Int, directory: String, environment: [String: String], slack: FakeSlack, pagerDuty: FakePagerDuty,
        kubernetes: FakeKubernetes, git: GitFixture
    ) throws -> Replica {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: "\(repositoryRoot)/Config/kubernetes/overlays/ha/slipway.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let port = 20_000 + Int.random(in: 0..<20_000)
        var readyPort = port
        var server = json["server"] as? [String: Any] ?? [:]
        server["host"] = "127.0.0.1"  // the pod listens on all addresses; here loopback is enough
        server["port"] = port
        server["drainSeconds"] = 2
        if server["adminPort"] != nil {
            readyPort = port + 1
            server["adminPort"] = readyPort
        }
        json["server"] = server
        var slackSection = json["slack"] as? [String: Any] ?? [:]
        slackSection["apiBaseURL"] = slack.baseURL
        json["slack"] = slackSection
        var gitops = json["gitops"] as? [String: Any] ?? [:]
        gitops["url"] = git.remote
        gitops["checkout"] = "\(directory)/replica-\(index)/gitops"  // each pod's own emptyDir
        json["gitops"] = gitops
        json["kubernetes"] = ["apiServer": kubernetes.baseURL, "tokenEnv": "KUBE_TOKEN"]
        var pager = json["pagerduty"] as? [String: Any] ?? [:]
        pager["eventsURL"] = pagerDuty.eventsURL
        json["pagerduty"] = pager
        // A test cannot wait out a 5-minute stability window: the same policy, minutes made seconds.
        var policy = json["policy"] as? [String: Any] ?? [:]
        policy["stabilityWindowSeconds"] = 1
        policy["pollIntervalSeconds"] = 0.2
        policy["rolloutTimeoutSeconds"] = 30
        json["policy"] = policy
        var output = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        if Self.problem(output)?.path == "server.adminPort" {
            // A loader without `server.adminPort` (added on another branch) refuses it: `/ready` is on the main port.
            server["adminPort"] = nil
            json["server"] = server
            readyPort = port
            output = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        }
        if let problem = Self.problem(output) { throw problem }
        let configPath = "\(directory)/replica-\(index).json"
        try output.write(to: URL(fileURLWithPath: configPath))
        let process = try Subprocess.start(
            SlipwayProcess.binary!, ["serve", "--config", configPath], environment: environment)
        return Replica(process: process, port: port, readyPort: readyPort, configPath: configPath)
    }

    /// The loader's first problem with a config, or nil when it is valid.
    static func problem(_ data: Data) -> ConfigError? {
        do {
            _ = try ConfigLoader.parse(data)
            return nil
        } catch {
            return error
        }
    }

    static func waitUntilReady(_ replica: Replica) async -> Bool {
        let client = CurlHTTPClient()
        let ready = HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(replica.readyPort)/ready", timeout: 1)
        for _ in 0..<300 {
            if (try? client.send(ready).status) == 200 { return true }
            guard replica.process.isRunning else { return false }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    static func imageBuilt(_ body: [UInt8], to replica: Replica) async throws -> HTTPResponse {
        let signature = "sha256=" + HMAC.sha256Hex(key: SlipwayHarness.webhookSecret, message: body)
        return try await CurlHTTPClient().perform(
            HTTPClientRequest(
                method: .post, url: replica.baseURL + "/api/v1/deploy/image-built",
                headers: ["X-Slipway-Signature": signature, "Content-Type": "application/json"], body: body,
                timeout: 10))
    }

    static func deployId(_ response: HTTPResponse) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["deployId"] as? String
    }

    /// Deploy-channel messages posted for the deploy.
    static func deployPosts(_ slack: FakeSlack, _ id: String) -> Int {
        slack.calls(method: "chat.postMessage").filter {
            $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(id)
        }
        .count
    }

    static func waitUntil(timeout: Double = 10, _ condition: () throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return (try? condition()) == true
    }
}
