import Foundation
import SlipwayHTTP
import SlipwaySubprocess
import SlipwayTesting
import Testing

@Suite(
    "slipway command-line conventions", .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
    .harnessScope)
struct CLITests {
    static let subcommands = ["serve", "check-config", "try", "slack-manifest", "rbac", "healthcheck", "version"]

    @Test("slipway --help, -h and help list every subcommand on stdout and exit 0")
    func topLevelHelp() throws {
        for flag in ["--help", "-h", "help"] {
            let result = try SlipwayProcess.run([flag])
            #expect(result.status == 0, "\(flag)")
            #expect(result.stdout.hasPrefix("usage: slipway <command> [options]\n"), "\(flag)")
            #expect(result.stderr.isEmpty, "\(flag)")
            for command in Self.subcommands {
                #expect(result.stdout.contains("\n  \(command) "), "\(flag) lists \(command)")
            }
        }
    }

    @Test("slipway <subcommand> --help and -h print that subcommand's usage and exit 0", arguments: subcommands)
    func subcommandHelp(_ command: String) throws {
        for flag in ["--help", "-h"] {
            // Other arguments, even wrong ones, do not matter once help is asked for.
            let result = try SlipwayProcess.run([command, "--config", "/nonexistent.json", flag])
            #expect(result.status == 0, "\(command) \(flag): \(result.stderr)")
            #expect(result.stdout.hasPrefix("usage: slipway \(command)"), "\(command) \(flag)")
            #expect(result.stdout.split(separator: "\n").count == 2, "\(command) \(flag)")
        }
        let viaHelp = try SlipwayProcess.run(["help", command])
        #expect(viaHelp.status == 0)
        #expect(viaHelp.stdout.hasPrefix("usage: slipway \(command)"))
    }

    @Test("usage mistakes exit 2 with one line on stderr")
    func usageMistakes() throws {
        for arguments in [
            ["check-config", "--cnofig", "x.json"], ["slack-manifest", "--config"], ["try", "--config", "x.json"],
            ["version", "extra"], ["help", "srve"], ["slack-manifest", "--config", "x.json", "--verbose"],
        ] {
            let result = try SlipwayProcess.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr.hasPrefix("slipway: "), "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        let noCommand = try SlipwayProcess.run([])
        #expect(noCommand.status == 2)
    }

    func writeConfig(port: Int) throws -> String {
        let dir = NSTemporaryDirectory() + "slipway-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestScope.removeOnExit(dir)
        var json = SlipwayHarness.configJSON(
            remote: dir + "/missing-remote.git", checkout: dir + "/checkout", slackURL: "http://127.0.0.1:9/api",
            pagerDutyURL: "http://127.0.0.1:9/pd", store: ["sqlite": ["path": dir + "/s.sqlite"]])
        var server = json["server"] as! [String: Any]
        server["port"] = port
        json["server"] = server
        let path = dir + "/slipway.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("try exits 1, not 2, when no server answers")
    func tryUnreachable() throws {
        // Port 9 (discard) on loopback has no listener in the test environment: the connection is refused at once.
        let path = try writeConfig(port: 9)
        let result = try SlipwayProcess.run(
            ["try", "--config", path, "/deploy-status"],
            environment: ["SLACK_SIGNING_SECRET": SlipwayHarness.signingSecret])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("slipway: cannot reach Slipway at http://127.0.0.1:9/slack/commands"))
        #expect(result.stderr.contains("is `slipway serve` running?"))
    }

    @Test("slack-manifest prints the manifest for the config; a non-https --url exits 2 with the reason")
    func slackManifest() throws {
        let path = try writeConfig(port: 8080)
        let ok = try SlipwayProcess.run(["slack-manifest", "--config", path, "--url", "https://slipway.example.com"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any]
        #expect(manifest?["settings"] != nil)
        #expect(ok.stdout.contains(#""command": "/deploy-status""#))
        let http = try SlipwayProcess.run(["slack-manifest", "--config", path, "--url", "http://slipway.example.com"])
        #expect(http.status == 2)
        #expect(http.stderr.hasPrefix("slipway: --url must use https"))
        let missing = try SlipwayProcess.run(["slack-manifest", "--config", path])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("slipway: missing --url https://HOST"))
    }

    @Test("check-config rejects a Slack built-in command name with its path and a suggestion")
    func reservedName() throws {
        let path = try writeConfig(port: 8080)
        var json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        var slack = json["slack"] as! [String: Any]
        slack["commands"] = ["status": "/status"]
        json["slack"] = slack
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let result = try SlipwayProcess.run(["check-config", "--config", path])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "slipway: config: slack.commands.status: is one of Slack's built-in commands, so Slack refuses an app that registers it; use another name, e.g. \"/deploy-status\"\n"
        )
    }
}
