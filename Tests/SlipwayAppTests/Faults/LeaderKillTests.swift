import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwaySubprocess
import SlipwayTesting
import Testing

extension Faults {
    /// Two `slipway serve` replicas on one PostgreSQL database; the leader is killed with SIGKILL mid-deploy.
    @Suite("Faults: kill -9 of the leader of two PostgreSQL replicas", .serialized, .harnessScope, .tags(.faults))
    struct LeaderKill {
        @Test(
            "the leader dies mid-rollout: the other replica takes over, the deploy ends once, no message is doubled",
            .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
            .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
        func killTheLeaderMidDeploy() async throws {
            let database = try TestPostgres.makeDatabase()
            defer { database.drop() }
            let world = try ReplicaWorld(databaseURL: database.url, replicas: 2)
            defer { world.remove() }
            world.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)

            let replicas = [try await world.serveReady(0), try await world.serveReady(1)]
            defer { replicas.forEach { $0.kill() } }
            let leading = await Faults.waitUntil(timeout: 15) {
                try world.leaders().filter { $0 }.count == 1
            }
            try #require(leading, "exactly one replica leads: \(String(describing: try? world.leaders()))")
            let leader = try #require(try world.leaders().firstIndex(of: true))
            let follower = 1 - leader

            // The follower takes the command; the leader's worker commits and watches the rollout.
            let reply = try world.command("/deploy shop staging main-d1ed1ed", replica: follower)
            #expect(reply.status == 200 && reply.bodyText.contains("main-d1ed1ed"), "\(reply.bodyText)")
            let store = try PostgresStore(url: database.url, maxConnections: 2)
            let id = try #require(
                try store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 1) }.first?.id
            )
            let rollingOut = await Faults.waitUntil(timeout: 20) {
                let stored = try store.read { r in try r.deploy(id: id) }
                return stored?.state == .rollingOut && stored?.message != nil
            }
            try #require(rollingOut, "the deploy reached the rollout with its message posted")

            replicas[leader].kill()  // SIGKILL: no drain, its PostgreSQL sessions die with it
            #expect(replicas[leader].exitSignal == SIGKILL)
            world.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")

            #expect(await Faults.waitUntil(timeout: 20) { try world.leaders()[follower] }, "the other replica leads")
            #expect(
                await Faults.waitUntil(timeout: 30) {
                    try store.read { r in try r.deploy(id: id) }?.state == .succeeded
                })
            // A message the killed leader had claimed is due again for the new leader after the claim (30 s).
            #expect(await Faults.waitUntil(timeout: 45) { Self.greenUpdates(world.slack, id).count >= 1 })
            try await Task.sleep(nanoseconds: 1_500_000_000)  // room for a duplicate to show up
            replicas[follower].terminate()

            let changes = try store.read { r in try r.auditEvents(deployId: id) }.map(\.action)
            #expect(changes.filter { $0 == "state:succeeded" }.count == 1, "\(changes)")
            #expect(changes.filter { $0 == "state:reconciling" }.count == 1, "\(changes)")
            #expect(try GitOpsRemoteUnavailable.commits(carrying: id, in: world.git) == 1)
            let posts = world.slack.succeededCalls(method: "chat.postMessage").filter {
                $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(id)
            }
            #expect(posts.count == 1, "one channel message for the deploy, not \(posts.count)")
            // Updates the dead leader left pending are delivered by the new one from the deploy as it is then:
            // after the first green update only identical green ones may follow.
            let updates = world.slack.succeededCalls(method: "chat.update").filter { $0.bodyText.contains(id) }
                .map(\.bodyText)
            let firstGreen = try #require(updates.firstIndex { $0.contains("✅") })
            #expect(Set(updates[firstGreen...]).count == 1)
        }

        static func greenUpdates(_ slack: FakeSlack, _ id: String) -> [FakeSlack.Call] {
            slack.succeededCalls(method: "chat.update").filter { $0.bodyText.contains(id) && $0.bodyText.contains("✅") }
        }
    }
}

/// The fakes and files several `slipway serve` replicas run against: one PostgreSQL database, one GitOps remote,
/// one fake Slack, Kubernetes and PagerDuty; each replica has its own port, checkout and config file.
final class ReplicaWorld: Sendable {
    let directory: String
    let git: GitFixture
    let slack: FakeSlack
    let pagerDuty: FakePagerDuty
    let kubernetes: FakeKubernetes
    let ports: [Int]
    let configPaths: [String]
    let environment: [String: String]
    let client = CurlHTTPClient()

    init(databaseURL: String, replicas: Int) throws {
        directory = NSTemporaryDirectory() + "slipway-replicas-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        git = try GitFixture()
        slack = try FakeSlack(users: ["carol@nortinia.example": "U0CAROL"])
        pagerDuty = try FakePagerDuty()
        kubernetes = try FakeKubernetes(rolloutSteps: 2)
        SlipwayHarness.linkCluster(kubernetes, to: git)
        var ports: [Int] = []
        var paths: [String] = []
        for index in 0..<replicas {
            let port = 20_000 + Int.random(in: 0..<20_000)
            let path = directory + "/slipway-\(index).json"
            try SlipwayHarness.writeProcessConfig(
                to: path, port: port, kubernetes: kubernetes, git: git, checkout: directory + "/checkout-\(index)",
                slack: slack, pagerDuty: pagerDuty, store: ["postgres": ["urlEnv": "DATABASE_URL"]])
            ports.append(port)
            paths.append(path)
        }
        self.ports = ports
        configPaths = paths
        environment = SlipwayHarness.processEnvironment(
            slack: slack, kubernetes: kubernetes, home: directory, extra: ["DATABASE_URL": databaseURL])
    }

    /// Starts replica `index` and waits until its `/ready` answers 200.
    func serveReady(_ index: Int) async throws -> ProcessWorld.Server {
        let server = ProcessWorld.Server(
            process: try Subprocess.start(
                SlipwayProcess.binary!, ["serve", "--config", configPaths[index]], environment: environment),
            port: ports[index])
        if await server.waitUntilReady() { return server }
        server.kill()
        throw ProcessWorld.NotReady(exitStatus: server.process.exitStatus)
    }

    /// Whether each replica says it leads (`slipway_leader` on `/metrics`); a replica that does not answer does not.
    func leaders() throws -> [Bool] {
        ports.map { port in
            guard
                let response = try? client.send(
                    HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/metrics", timeout: 2))
            else { return false }
            return response.bodyText.split(separator: "\n").contains { $0 == "slipway_leader 1" }
        }
    }

    /// Sends a signed slash command to one replica.
    func command(_ line: String, replica: Int, user: String = "U0ALICE") throws -> HTTPResponse {
        try client.send(
            SlipwayHarness.signedCommand(
                line, port: ports[replica], user: user,
                responseURL: slack.responseURL("fault-\(UUID().uuidString.prefix(8))")))
    }

    func remove() {
        slack.stop()
        pagerDuty.stop()
        kubernetes.stop()
        git.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
