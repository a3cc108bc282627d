import DeployCore
import Foundation
import Testing

@Suite("Configured slash command names")
struct SlashCommandNamesTests {
    static let ship = SlashCommandNames(deploy: "/ship", rollback: "/unship", status: "/ship-status")

    @Test(
        "the configured names, /deploy status, /deploy stats and a legacy /status all parse",
        arguments: [
            ("/ship", "shop prod", SlashCommand.deploy(service: "shop", environment: "prod", ref: nil)),
            ("/unship", "shop prod", .rollback(service: "shop", environment: "prod", tag: nil)),
            ("/ship-status", "shop", .status(service: "shop", environment: nil)),
            ("/ship-status", "stats", .stats),
            ("/ship", "status", .status(service: nil, environment: nil)),
            ("/ship", "Status shop PROD", .status(service: "shop", environment: "prod")),
            ("/ship", "stats", .stats),
            ("/ship", "status stats", .stats),
            ("/SHIP", "help", .help(.deploy)),
            ("/status", "shop prod", .status(service: "shop", environment: "prod")),
        ])
    func parses(_ command: String, _ text: String, _ expected: SlashCommand) throws {
        #expect(try CommandParser(names: Self.ship).parse(command: command, text: text) == expected)
    }

    @Test("the default deploy command answers status and stats too")
    func defaultDeployStatus() throws {
        #expect(
            try CommandParser.parse(command: "/deploy", text: "status shop")
                == .status(service: "shop", environment: nil))
        #expect(try CommandParser.parse(command: "/deploy", text: "stats") == .stats)
        #expect(try CommandParser.parse(command: "/deploy-status", text: "") == .status(service: nil, environment: nil))
    }

    @Test(
        "usage hints name the configured commands, never the defaults",
        arguments: [
            ("/ship", "", "Usage: `/ship <service> <env> [tag|sha]`"),
            ("/ship", "unlock shop", "Usage: `/ship unlock <service> <env>`"),
            ("/ship", "lock shop prod", "Usage: `/ship lock <service> <env> <reason>`"),
            ("/unship", "shop", "Usage: `/unship <service> <env> [tag]`"),
            ("/ship-status", "a b c", "Usage: `/ship-status [service] [env]` or `/ship-status stats`"),
            ("/ship", "status a b c", "Usage: `/ship status [service] [env]`"),
            ("/deploy", "shop prod", "Slipway does not handle `/deploy`. Use `/ship`, `/unship` or `/ship-status`."),
        ])
    func usage(_ command: String, _ text: String, _ message: String) {
        #expect {
            try CommandParser(names: Self.ship).parse(command: command, text: text)
        } throws: { error in
            let text = (error as? CommandError)?.message ?? ""
            return text.contains(message) && !text.contains("`/deploy ") && !text.contains("`/rollback ")
        }
    }

    @Test("help texts use the configured names")
    func help() {
        for command in SlashCommand.CommandName.allCases {
            let text = HelpText.text(for: command, names: Self.ship)
            #expect(!text.contains("/deploy"), "\(command)")
            #expect(!text.contains("/rollback"), "\(command)")
            #expect(!text.contains("`/status"), "\(command)")
        }
        #expect(HelpText.text(for: .deploy, names: Self.ship).contains("`/ship status [service] [env]`"))
        #expect(HelpText.text(for: .status, names: Self.ship).contains("`/ship-status stats`"))
    }

    func parse(commands: String) throws -> SlipwayConfig {
        let text = ConfigLoaderTests.sample.replacingOccurrences(
            of: #""deployChannel": "C0DEPLOYS""#, with: #""deployChannel": "C0DEPLOYS", "commands": \#(commands)"#)
        #expect(text != ConfigLoaderTests.sample)
        return try ConfigLoader.parse(Data(text.utf8))
    }

    @Test("slack.commands: defaults, and each name on its own")
    func configured() throws {
        #expect(try ConfigLoader.parse(Data(ConfigLoaderTests.sample.utf8)).slack.commands == .defaults)
        #expect(SlashCommandNames.defaults.status == "/deploy-status")
        let config = try parse(commands: #"{"status": "/ship-status"}"#)
        #expect(
            config.slack.commands == SlashCommandNames(deploy: "/deploy", rollback: "/rollback", status: "/ship-status")
        )
        // The catalog's "unknown service" reply points at the configured status command.
        #expect(throws: CatalogError.self) { try config.catalog.resolve(service: "shpo") }
        do {
            _ = try config.catalog.resolve(service: "shpo")
        } catch {
            #expect(error.message.contains("Try `/ship-status` for the list."))
        }
    }

    @Test(
        "check-config rejects a built-in, malformed or repeated name with the path, the reason and a suggestion",
        arguments: [
            (
                #"{"status": "/status"}"#,
                #"slack.commands.status: is one of Slack's built-in commands, so Slack refuses an app that registers it; use another name, e.g. "/deploy-status""#
            ),
            (#"{"deploy": "/remind"}"#, "slack.commands.deploy: is one of Slack's built-in commands"),
            (#"{"rollback": "/who"}"#, "slack.commands.rollback: is one of Slack's built-in commands"),
            (#"{"deploy": "/me"}"#, "slack.commands.deploy: is one of Slack's built-in commands"),
            (#"{"deploy": "ship"}"#, #"slack.commands.deploy: must start with /, e.g. "/ship""#),
            (
                #"{"deploy": "/Ship It"}"#,
                #"slack.commands.deploy: may hold only lowercase letters, digits, - and _ after the / (no spaces), e.g. "/ship-it""#
            ),
            (#"{"status": "/"}"#, "slack.commands.status: must name a command after the /"),
            (
                #"{"deploy": "/a-very-long-deploy-command-name-x"}"#,
                "slack.commands.deploy: is 34 characters; Slack allows at most 32"
            ),
            (
                #"{"status": "/rollback"}"#,
                #"slack.commands.status: "/rollback" is also the rollback command; each command needs its own name, e.g. "/rollback-status""#
            ),
            (
                #"{"deploy": "/ship", "rollback": "/ship"}"#,
                #"slack.commands.rollback: "/ship" is also the deploy command"#
            ),
            (#"{"deploy": 3}"#, "slack.commands.deploy: must be a string"),
            (#"{"deplyo": "/ship"}"#, #"slack.commands.deplyo: unknown field (did you mean "deploy"?)"#),
        ])
    func rejected(_ commands: String, _ expected: String) {
        #expect {
            try parse(commands: commands)
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix(expected) == true
        }
    }

    @Test("a service cannot be named like a word of the deploy command")
    func serviceNames() {
        let text = ConfigLoaderTests.sample.replacingOccurrences(of: #""shop": {"#, with: #""status": {"#)
        #expect(text != ConfigLoaderTests.sample)
        #expect {
            try ConfigLoader.parse(Data(text.utf8))
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix(
                "services.status: \"status\" is a word of the deploy command")
                == true
        }
    }
}
