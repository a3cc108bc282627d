import DeployCore
import Foundation
import SlipwayApp
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// Environments in several clusters: each cluster is watched by its own poller, so one that is down or hangs never
/// delays deploys on another, and `/status` says which cluster is unreachable since when.
@Suite("Several clusters: each watched on its own", .serialized, .harnessScope)
struct MultiClusterTests {
    /// The default harness, with api's environments in cluster `east` at `eastURL`.
    static func harness(eastURL: String) throws -> SlipwayHarness {
        try SlipwayHarness(adjust: { json in
            json["clusters"] = ["east": ["apiServer": eastURL, "tokenEnv": "KUBE_TOKEN"]]
            var services = json["services"] as! [String: Any]
            var api = services["api"] as! [String: Any]
            var environments = api["environments"] as! [String: Any]
            for name in ["staging", "prod"] {
                var environment = environments[name] as! [String: Any]
                environment["cluster"] = "east"
                environments[name] = environment
            }
            api["environments"] = environments
            services["api"] = api
            json["services"] = services
        })
    }

    static func deploy(_ h: SlipwayHarness, _ service: String, _ tag: String) async throws -> Deploy {
        _ = try await h.reply("/deploy \(service) staging \(tag)")
        return try #require(try h.latestDeploy(service, "staging"))
    }

    @Test("both clusters up: each deploy is watched in its own cluster and goes green")
    func twoClusters() async throws {
        let east = try FakeKubernetes(rolloutSteps: 2)
        TestScope.onExit { east.stop() }
        let h = try Self.harness(eastURL: east.baseURL)
        SlipwayHarness.linkCluster(east, to: h.git)
        h.startServices()
        let api = try await Self.deploy(h, "api", "main-a11a11a")
        let shop = try await Self.deploy(h, "shop", "main-5b05b05")
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(api.id)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(shop.id)?.state == .succeeded })
        // Each cluster saw only its own environments.
        #expect(east.requests().contains { $0.path.contains("/namespaces/api-staging/") })
        #expect(!east.requests().contains { $0.path.contains("/namespaces/shop-staging/") })
        #expect(!h.kubernetes.requests().contains { $0.path.contains("/namespaces/api-staging/") })
        #expect(
            !h.kubernetes.requests().contains { $0.path.hasSuffix("/kustomizations/api-staging") },
            "api's Flux objects are in east")
        // `slipway rbac --cluster east` grants in east only what api's environments need there.
        let roles = try RBACManifest(config: h.config, cluster: "east").roles.map(\.namespace)
        #expect(roles == ["api", "api-staging", "flux-system"])
        let defaultRoles = try RBACManifest(config: h.config, cluster: "kubernetes").roles.map(\.namespace)
        #expect(defaultRoles == ["flux-system", "shop", "shop-staging"])
    }

    @Test("cluster east down (its API server stopped): a deploy on the default cluster goes green; /status names east")
    func clusterDown() async throws {
        let east = try FakeKubernetes(rolloutSteps: 2)
        TestScope.onExit { east.stop() }
        let h = try Self.harness(eastURL: east.baseURL)
        east.stop()
        h.startServices()
        let down = Date()
        let api = try await Self.deploy(h, "api", "main-a11a11a")
        #expect(await h.waitUntil(timeout: 10) { try h.deploy(api.id)?.state == .reconciling })
        let shop = try await Self.deploy(h, "shop", "main-5b05b05")
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(shop.id)?.state.isTerminal == true })
        #expect(try h.deploy(shop.id)?.state == .succeeded)
        #expect(try h.deploy(api.id)?.state == .reconciling, "api waits for its cluster")

        var status = ""
        for _ in 0..<40 where !status.contains("Cluster `east` unreachable since") {
            status = try await h.reply("/deploy-status").text
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        #expect(status.contains("Cluster `east` unreachable since"), "\(status)")
        #expect(status.contains("could not connect to the API server"), "\(status)")
        #expect(!status.contains("Cluster `kubernetes`"), "the default cluster is reachable")
        let problem = try #require(h.app.monitor.health.unreachable.first)
        #expect(problem.cluster == "east")
        #expect(problem.since >= down.addingTimeInterval(-1))
    }

    @Test("a cluster whose API server hangs never delays a deploy on another cluster")
    func clusterHangs() async throws {
        // Each request to east is held (up to the client's 10 s timeout, retried): one poll of east takes half a
        // minute. A shared poller would hold shop's deploy for as long.
        let east = try FakeHangingEndpoint(threads: 16, maxHold: 60)
        TestScope.onExit { east.stop() }
        let hangURL = east.url("x")
        let h = try Self.harness(eastURL: String(hangURL.dropLast("/hang/x".count)))
        h.startServices()
        let api = try await Self.deploy(h, "api", "main-a11a11a")
        #expect(await h.waitUntil(timeout: 10) { east.receivedCount >= 1 }, "east is being asked (and hangs)")
        let shop = try await Self.deploy(h, "shop", "main-5b05b05")
        #expect(await h.waitUntil(timeout: 15) { try h.deploy(shop.id)?.state.isTerminal == true })
        #expect(try h.deploy(shop.id)?.state == .succeeded)
        #expect(try h.deploy(api.id)?.state == .reconciling)
        #expect(east.answeredCount == 0, "east never answered while shop rolled out")
        east.stop()
    }
}

/// `slipway check-config` checks what the clusters name without contacting them.
@Suite("check-config: cluster references", .serialized, .harnessScope)
struct ClusterCheckConfigTests {
    @Test("a kubeconfig without the named context and an unreadable CA file are each named with their path")
    func clusterProblems() throws {
        let dir = NSTemporaryDirectory() + "slipway-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestScope.removeOnExit(dir)
        try Data(
            """
            apiVersion: v1
            kind: Config
            clusters: [{name: a, cluster: {server: "https://a.example"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: staging, context: {cluster: a, user: u}}, {name: prod, context: {cluster: a, user: u}}]
            """.utf8
        ).write(to: URL(fileURLWithPath: dir + "/kubeconfig"))
        var json = SlipwayHarness.configJSON(
            remote: dir + "/missing-remote.git", checkout: dir + "/checkout", slackURL: "http://127.0.0.1:9/api",
            pagerDutyURL: "http://127.0.0.1:9/pd", store: ["sqlite": ["path": dir + "/s.sqlite"]])
        json["clusters"] = [
            "east": ["kubeconfig": dir + "/kubeconfig", "context": "prdo"],
            "west": ["apiServer": "https://west.example", "caFile": dir + "/missing-ca.crt"],
        ]
        let path = dir + "/slipway.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let environment = [
            "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "SLIPWAY_WEBHOOK_SECRET": "w",
            "FLUX_WEBHOOK_TOKEN": "f", "PAGERDUTY_ROUTING_KEY": "p", "KUBE_TOKEN": "k",
        ]
        let result = try SlipwayProcess.run(["check-config", "--config", path], environment: environment)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result.stderr)")
        #expect(lines.first?.contains(#"clusters.east.context: no context "prdo""#) == true, "\(result.stderr)")
        #expect(lines.first?.contains("(did you mean \"prod\"?)") == true, "\(result.stderr)")
        #expect(
            lines.last
                == "slipway: config: clusters.west.caFile: \(dir)/missing-ca.crt cannot be read; check the path and permissions"
        )

        // Fixed, it passes.
        json["clusters"] = ["east": ["kubeconfig": dir + "/kubeconfig", "context": "prod"]]
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let fixed = try SlipwayProcess.run(["check-config", "--config", path], environment: environment)
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }
}
