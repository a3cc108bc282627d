import Foundation
import SlipwayHTTP
import SlipwaySubprocess
import SlipwayTesting
import Testing

@testable import DeployCore
@testable import SlipwayApp

/// `server.adminPort`: `/metrics`, `/healthz` and `/ready` on a port of their own, so an Ingress in front of the main
/// port cannot expose them; `slipway healthcheck` asks that port.
@Suite("server.adminPort and slipway healthcheck", .serialized, .harnessScope)
struct AdminPortTests {
    /// A port nothing listens on right now (bound, read back, released).
    static func freePort() throws -> Int {
        let probe = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threadCount: 1)) { _ in .json(200, "{}")
        }
        try probe.start()
        defer { probe.stop() }
        return probe.port
    }

    static func harness(adminPort: Int) throws -> SlipwayHarness {
        try SlipwayHarness(adjust: { json in
            var server = json["server"] as! [String: Any]
            server["adminPort"] = adminPort
            json["server"] = server
        })
    }

    func get(_ url: String) throws -> HTTPResponse {
        try CurlHTTPClient().send(HTTPClientRequest(method: .get, url: url, timeout: 5))
    }

    @Test("with an admin port, /metrics, /healthz and /ready answer there and 404 on the main port")
    func adminRoutesMoveToTheAdminPort() async throws {
        let h = try Self.harness(adminPort: try Self.freePort())
        h.startServices()
        let admin = "http://127.0.0.1:\(try #require(h.app.adminPort))"
        #expect(await h.waitUntil { try get(admin + "/ready").status == 200 })

        for path in ["/metrics", "/healthz", "/ready"] {
            let main = try await h.send(.get, path)
            #expect(main.status == 404, "\(path) on the main port: \(main.status)")
            #expect(try get(admin + path).status == 200, "\(path) on the admin port")
        }
        // The Slack and webhook routes stay on the main port only.
        #expect(try await h.send(.post, "/api/v1/deploy/image-built", body: Array("{}".utf8)).status == 401)
        let onAdmin = try CurlHTTPClient().send(
            HTTPClientRequest(method: .post, url: admin + "/slack/commands", body: Array("x=1".utf8), timeout: 5))
        #expect(onAdmin.status == 404)

        // The admin port's requests are counted with the others.
        let metrics = StrictExposition(try get(admin + "/metrics").bodyText)
        #expect(metrics.problems.isEmpty, "\(metrics.problems)")
        #expect(metrics.samples["slipway_http_requests_total{route=\"/ready\",status=\"200\"}"] ?? 0 >= 2)
        #expect(metrics.samples["slipway_http_requests_total{route=\"unmatched\",status=\"404\"}"] == 4)
    }

    @Test("a drain turns /ready 503 on the admin port at once, keeps /metrics there, and then stops both ports")
    func drainCoversTheAdminPort() async throws {
        let h = try Self.harness(adminPort: try Self.freePort())
        h.startServices()
        let admin = "http://127.0.0.1:\(try #require(h.app.adminPort))"
        #expect(await h.waitUntil { try get(admin + "/ready").status == 200 })

        // What the service runner does on SIGTERM, one step at a time.
        let intake = HTTPIntake(server: h.app.server, adminServer: h.app.adminServer, readiness: h.app.readiness)
        intake.markUnready()
        intake.stopAccepting()
        let ready = try get(admin + "/ready")
        #expect(ready.status == 503)
        #expect(ready.bodyText == #"{"status":"draining"}"#)
        #expect(try get(admin + "/metrics").status == 200, "Prometheus still scrapes during the drain")
        #expect(try await h.send(.post, "/slack/commands").status == 503, "the main port refuses new requests")

        #expect(intake.finish(timeout: 5))
        #expect(!h.app.server.isRunning && h.app.adminServer?.isRunning == false)
        #expect(throws: (any Error).self) { try get(admin + "/healthz") }
    }

    @Test("without an admin port everything stays on the main port")
    func withoutAdminPort() async throws {
        let h = try SlipwayHarness()
        #expect(h.app.adminServer == nil && h.app.adminPort == nil)
        #expect(try await h.send(.get, "/healthz").status == 200)
        #expect(try await h.send(.get, "/metrics").status == 200)
    }

    @Test("server.adminPort is checked: 1–65535, a whole number, not server.port; the error names the JSON path")
    func configValidation() throws {
        func load(_ server: String) throws(ConfigError) -> SlipwayConfig {
            let example = try! String(
                contentsOf: Self.repositoryRoot.appendingPathComponent("Config/slipway.example.json"), encoding: .utf8)
            var json = try! JSONSerialization.jsonObject(with: Data(example.utf8)) as! [String: Any]
            json["server"] = try! JSONSerialization.jsonObject(with: Data(server.utf8))
            return try ConfigLoader.parse(try! JSONSerialization.data(withJSONObject: json))
        }
        #expect(try load(#"{"port": 8080, "adminPort": 9090}"#).server.adminPort == 9090)
        #expect(try load(#"{"port": 8080}"#).server.adminPort == nil)
        func problem(_ server: String) -> String {
            do {
                _ = try load(server)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        let same = problem(#"{"port": 9090, "adminPort": 9090}"#)
        #expect(same.hasPrefix("server.adminPort: must differ from server.port"), "\(same)")
        #expect(problem(#"{"adminPort": 8080}"#).hasPrefix("server.adminPort: must differ"), "the default port counts")
        #expect(problem(#"{"adminPort": 0}"#) == "server.adminPort: must be between 1 and 65535, got 0")
        #expect(problem(#"{"adminPort": 70000}"#) == "server.adminPort: must be between 1 and 65535, got 70000")
        #expect(problem(#"{"adminPort": "9090"}"#) == "server.adminPort: must be a number")
        #expect(
            problem(#"{"adminport": 9090}"#).hasPrefix("server.adminport: unknown field (did you mean \"adminPort\"?)"))
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(
        "slipway check-config accepts both shipped Kubernetes overlay configs (with their adminPort)",
        .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"))
    func overlaysPassCheckConfig() throws {
        let environment = [
            "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-t", "SLIPWAY_WEBHOOK_SECRET": "w",
            "FLUX_WEBHOOK_TOKEN": "f", "PAGERDUTY_ROUTING_KEY": "r", "DATABASE_URL": "postgresql://slipway@db/slipway",
        ]
        for overlay in ["single", "ha"] {
            let path = Self.repositoryRoot.appendingPathComponent("Config/kubernetes/overlays/\(overlay)/slipway.json")
            let config = try ConfigLoader.load(path: path.path)
            #expect(config.server.adminPort == 9090 && config.server.port == 8080)
            let result = try Subprocess.run(
                try #require(SlipwayProcess.binary), ["check-config", "--config", path.path], environment: environment)
            #expect(result.status == 0, "\(overlay): \(result.stderrText)")
            #expect(result.stdoutText.contains(": ok ("), "\(overlay): \(result.stdoutText)")
        }
    }

    // MARK: slipway healthcheck

    @Test(
        "slipway healthcheck: 0 when /ready (on the admin port) answers 200, else 1 with one line saying why",
        .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"))
    func healthcheck() async throws {
        let h = try Self.harness(adminPort: try Self.freePort())
        // A copy: stopping the harness removes its directory.
        let config = NSTemporaryDirectory() + "slipway-healthcheck-\(UUID().uuidString).json"
        TestScope.removeOnExit(config)
        try FileManager.default.copyItem(atPath: h.directory + "/slipway.json", toPath: config)
        let admin = try #require(h.app.adminPort)

        let starting = try Self.healthcheck(["--config", config])
        #expect(starting.status == 1)
        #expect(
            starting.stderr == "slipway healthcheck: http://127.0.0.1:\(admin)/ready answered HTTP 503: "
                + #"{"status":"starting"}"# + "\n")

        h.startServices()
        #expect(await h.waitUntil { try get("http://127.0.0.1:\(admin)/ready").status == 200 })
        let ready = try Self.healthcheck(["--config", config, "--timeout", "2"])
        #expect(ready.status == 0, "\(ready.stderr)")
        #expect(ready.stdout == "slipway healthcheck: http://127.0.0.1:\(admin)/ready answered 200\n")

        await h.stop()
        let stopped = try Self.healthcheck(["--config", config])
        #expect(stopped.status == 1)
        #expect(stopped.stderr.hasPrefix("slipway healthcheck: cannot reach http://127.0.0.1:\(admin)/ready: "))
        #expect(stopped.stderr.filter { $0 == "\n" }.count == 1, "one line: \(stopped.stderr)")

        let missing = try Self.healthcheck(["--config", h.directory + "/no-such.json"])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("slipway healthcheck: config: cannot read config file"))
        let badTimeout = try Self.healthcheck(["--config", config, "--timeout", "soon"])
        #expect(badTimeout.status == 2)
        #expect(badTimeout.stderr.contains("--timeout needs seconds"))
    }

    @Test(
        "slipway healthcheck asks loopback when the server listens on every address, and the main port without adminPort"
    )
    func healthcheckURL() {
        var server = SlipwayConfig.Server(host: "0.0.0.0", port: 8080, maxBodyBytes: 1 << 20, drainSeconds: 10)
        #expect(HealthCheck.readyURL(server) == "http://127.0.0.1:8080/ready")
        server.adminPort = 9090
        #expect(HealthCheck.readyURL(server) == "http://127.0.0.1:9090/ready")
        server.host = "::"
        #expect(HealthCheck.readyURL(server) == "http://[::1]:9090/ready")
        server.host = "10.1.2.3"
        #expect(HealthCheck.readyURL(server) == "http://10.1.2.3:9090/ready")
    }

    static func healthcheck(_ arguments: [String]) throws -> SlipwayProcess.Run {
        try SlipwayProcess.run(["healthcheck"] + arguments)
    }
}
