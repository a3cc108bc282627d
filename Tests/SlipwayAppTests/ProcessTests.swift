import Foundation
import SlipwayHTTP
import SlipwaySubprocess
import SlipwayTesting
import Testing

@Suite(
    "The slipway executable", .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
    .harnessScope)
struct ProcessTests {
    static let secrets = [
        "SLACK_SIGNING_SECRET": SlipwayHarness.signingSecret, "SLACK_BOT_TOKEN": "xoxb-test",
        "SLIPWAY_WEBHOOK_SECRET": "w", "FLUX_WEBHOOK_TOKEN": "f", "PAGERDUTY_ROUTING_KEY": "r", "KUBE_TOKEN": "k",
    ]

    func writeConfig(_ mutate: (inout [String: Any]) -> Void = { _ in }) throws -> (path: String, dir: String) {
        let dir = NSTemporaryDirectory() + "slipway-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestScope.removeOnExit(dir)
        var json = SlipwayHarness.configJSON(
            remote: dir + "/missing-remote.git", checkout: dir + "/checkout", slackURL: "http://127.0.0.1:9/api",
            pagerDutyURL: "http://127.0.0.1:9/pd", store: ["sqlite": ["path": dir + "/s.sqlite"]])
        mutate(&json)
        let path = dir + "/slipway.json"
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted]).write(
            to: URL(fileURLWithPath: path))
        return (path, dir)
    }

    @Test("version, bad flags and unknown commands")
    func basics() throws {
        let version = try SlipwayProcess.run(["version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("slipway "))
        let badFlag = try SlipwayProcess.run(["serve", "--confgi", "x.json"])
        #expect(badFlag.status == 2)
        #expect(badFlag.stderr == "slipway: unknown option --confgi (did you mean --config?)\n")
        let unknown = try SlipwayProcess.run(["srve"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean `serve`?"))
    }

    @Test("check-config: 0 when valid, 2 with the JSON path and problem otherwise")
    func checkConfig() throws {
        let good = try writeConfig()
        let ok = try SlipwayProcess.run(["check-config", "--config", good.path], environment: Self.secrets)
        #expect(ok.status == 0)
        let noSecrets = try SlipwayProcess.run(["check-config", "--config", good.path])
        #expect(noSecrets.status == 2)
        #expect(
            noSecrets.stderr.contains("slack.signingSecretEnv: environment variable SLACK_SIGNING_SECRET is not set"))
        // Every unset secret is named in one run, not one per attempt.
        #expect(noSecrets.stderr.contains("slack.botTokenEnv: environment variable SLACK_BOT_TOKEN is not set"))
        #expect(noSecrets.stderr.contains("ci.webhookSecretEnv: environment variable"))
        let bad = try writeConfig { json in
            var services = json["services"] as! [String: Any]
            var shop = services["shop"] as! [String: Any]
            var envs = shop["environments"] as! [String: Any]
            var prod = envs["prod"] as! [String: Any]
            prod["promoteFrom"] = "stagin"
            envs["prod"] = prod
            shop["environments"] = envs
            services["shop"] = shop
            json["services"] = services
        }
        let failed = try SlipwayProcess.run(["check-config", "--config", bad.path], environment: Self.secrets)
        #expect(failed.status == 2)
        #expect(
            failed.stderr.contains(
                #"services.shop.environments.prod.promoteFrom: no environment "stagin" (did you mean "staging"?)"#))
        #expect(!failed.stderr.contains(SlipwayHarness.signingSecret))
    }

    @Test("with log.format json every line serve writes is one JSON object; log.level hides what is below it")
    func jsonLogs() throws {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let config = try writeConfig { json in
            json["server"] = ["host": "127.0.0.1", "port": port, "drainSeconds": 1]
            json["log"] = ["format": "json", "level": "info"]
        }
        // `timeout` sends SIGTERM after 2 s: serve logs its start, the signal and the drain, then exits 0.
        let served = try Subprocess.run(
            "timeout",
            ["--preserve-status", "2", try #require(SlipwayProcess.binary), "serve", "--config", config.path],
            environment: Self.secrets)
        #expect(served.status == 0, "\(served.stderrText)")
        let lines = served.stderrText.split(separator: "\n")
        #expect(lines.count >= 2)
        var records: [[String: String]] = []
        for line in lines {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(Set(object.keys).isSuperset(of: ["time", "level", "logger", "message"]), "\(line)")
            records.append(object)
        }
        let messages = records.map { $0["message"] ?? "" }
        #expect(messages.contains("listening on 127.0.0.1:\(port)"), "\(messages)")
        // Metadata are fields of their own, not spliced into the message.
        #expect(
            records.contains { $0["component"] == "service-runner" && $0["signal"] == "SIGTERM" },
            "the signal is logged with its name as a field: \(records)")
        #expect(records.contains { $0["component"] == "gitops" && $0["level"] == "error" }, "\(records)")

        let quiet = try writeConfig { json in
            json["server"] = ["host": "127.0.0.1", "port": port, "drainSeconds": 1]
            json["log"] = ["level": "error"]
        }
        let served2 = try Subprocess.run(
            "timeout",
            ["--preserve-status", "1", try #require(SlipwayProcess.binary), "serve", "--config", quiet.path],
            environment: Self.secrets)
        #expect(!served2.stderrText.contains("listening on"), "\(served2.stderrText)")
        #expect(served2.stderrText.contains("GitOps checkout not ready"), "errors still show: \(served2.stderrText)")
    }

    @Test("with log.format json, serve writes metadata as JSON fields next to time/level/logger/message, no secret")
    func jsonLogMetadata() throws {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let config = try writeConfig { json in
            json["log"] = ["format": "json", "level": "debug"]
            json["server"] = ["host": "127.0.0.1", "port": port, "drainSeconds": 1]
        }
        defer { try? FileManager.default.removeItem(atPath: config.dir) }
        // SIGTERM after 2 s: serve logs its start, the signal and the drain, then exits 0.
        let binary = try #require(SlipwayProcess.binary)
        let served = try Subprocess.run(
            "timeout", ["--preserve-status", "2", binary, "serve", "--config", config.path], environment: Self.secrets)
        #expect(served.status == 0, "\(served.stderrText)")
        var records: [[String: String]] = []
        for line in served.stderrText.split(separator: "\n") {
            records.append(
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)"))
        }
        let listening = try #require(records.first { $0["message"]?.hasPrefix("listening on") == true }, "\(records)")
        #expect(listening["component"] == "http-server")
        #expect(listening["host"] == "127.0.0.1")
        #expect(listening["port"] == "\(port)")
        #expect(listening["level"] == "info" && listening["logger"] == "slipway")
        #expect(listening["time"]?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(listening)")
        for secret in [SlipwayHarness.signingSecret, "xoxb-test"] {
            #expect(!served.stderrText.contains(secret), "a secret was logged")
        }
    }

    @Test("serve answers `slipway try`, then on SIGTERM turns unready and exits 0 within drainSeconds")
    func serveTryAndDrain() async throws {
        let port = 20_000 + Int.random(in: 0..<20_000)
        let config = try writeConfig { json in
            json["server"] = ["host": "127.0.0.1", "port": port, "maxBodyBytes": 65536, "drainSeconds": 3]
        }
        let process = try Subprocess.start(
            try #require(SlipwayProcess.binary), ["serve", "--config", config.path], environment: Self.secrets)
        defer {
            process.send(SIGKILL)
            process.waitUntilExit()
        }
        let client = CurlHTTPClient()
        let ready = HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/ready", timeout: 1)
        var isReady = false
        for _ in 0..<100 where !isReady {
            isReady = (try? client.send(ready).status) == 200
            if !isReady { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(isReady)
        let tried = try SlipwayProcess.run(["try", "--config", config.path, "/status shop"], environment: Self.secrets)
        #expect(tried.status == 0)
        #expect(tried.stdout.contains("[ephemeral]"))
        #expect(tried.stdout.contains("staging"))
        // A secret that differs from the server's is refused, and the operator is told which variable to check.
        var wrongSecret = Self.secrets
        wrongSecret["SLACK_SIGNING_SECRET"] = "not-the-server-secret"
        let refused = try SlipwayProcess.run(["try", "--config", config.path, "/status"], environment: wrongSecret)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("HTTP 401"), "\(refused.stderr)")
        #expect(refused.stderr.contains("signs with $SLACK_SIGNING_SECRET"), "\(refused.stderr)")
        // The terminal shows what Slack shows: placeholders unescaped.
        let help = try SlipwayProcess.run(["try", "--config", config.path, "/deploy help"], environment: Self.secrets)
        #expect(help.stdout.contains("`/deploy <service> <env> <tag|sha>`"), "\(help.stdout)")

        let started = Date()
        process.send(SIGTERM)
        while process.isRunning && Date().timeIntervalSince(started) < 6 {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(process.exitStatus == 0)
        #expect(Date().timeIntervalSince(started) < 3.5)
        #expect((try? client.send(ready))?.status != 200)
    }
}
