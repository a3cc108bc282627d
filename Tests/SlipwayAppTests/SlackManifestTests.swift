import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

@Suite("Slack app manifest")
struct SlackManifestTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func example() throws -> SlipwayConfig {
        try ConfigLoader.load(path: repositoryRoot.appendingPathComponent("Config/slipway.example.json").path)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(
        "Config/slack-app-manifest.json is the output for Config/slipway.example.json and https://slipway.example.com")
    func shippedManifestIsGenerated() throws {
        let shipped = try String(
            contentsOf: Self.repositoryRoot.appendingPathComponent("Config/slack-app-manifest.json"), encoding: .utf8)
        let generated = try SlackManifest.render(for: Self.example(), baseURL: "https://slipway.example.com")
        #expect(
            generated == shipped,
            "regenerate it: slipway slack-manifest --config Config/slipway.example.json --url https://slipway.example.com > Config/slack-app-manifest.json"
        )
    }

    @Test("commands are the configured ones, none reserved by Slack, all at /slack/commands under the base URL")
    func commands() throws {
        var config = try Self.example()
        config.slack.commands = SlashCommandNames(deploy: "/ship", rollback: "/unship", status: "/ship-status")
        let manifest = try Self.object(SlackManifest.render(for: config, baseURL: "https://bots.example.org/slipway/"))
        let features = try #require(manifest["features"] as? [String: Any])
        let commands = try #require(features["slash_commands"] as? [[String: Any]])
        #expect(commands.compactMap { $0["command"] as? String } == ["/ship", "/unship", "/ship-status"])
        for command in commands {
            let name = try #require(command["command"] as? String)
            #expect(!SlashCommandNames.slackBuiltIns.contains(name))
            #expect(SlashCommandNames.problem(with: name, fallback: "/x") == nil)
            #expect(command["url"] as? String == "https://bots.example.org/slipway/slack/commands")
            #expect((command["description"] as? String)?.isEmpty == false)
            #expect((command["usage_hint"] as? String)?.isEmpty == false)
            #expect(command["should_escape"] as? Bool == false)
        }
        let settings = try #require(manifest["settings"] as? [String: Any])
        let interactivity = try #require(settings["interactivity"] as? [String: Any])
        #expect(interactivity["is_enabled"] as? Bool == true)
        #expect(interactivity["request_url"] as? String == "https://bots.example.org/slipway/slack/interactions")
        #expect(settings["socket_mode_enabled"] as? Bool == false)
        #expect((manifest["display_information"] as? [String: Any])?["name"] as? String == "Slipway")
    }

    @Test("the default manifest never registers /status, which Slack refuses")
    func noStatus() throws {
        let text = try SlackManifest.render(for: Self.example(), baseURL: "https://slipway.example.com")
        #expect(!text.contains(#""command": "/status""#))
        #expect(text.contains(#""command": "/deploy-status""#))
    }

    @Test("bot scopes are exactly what the configured features call: im:write only with on-call users")
    func scopes() throws {
        func scopes(_ config: SlipwayConfig) throws -> [String] {
            let manifest = try Self.object(SlackManifest.render(for: config, baseURL: "https://slipway.example.com"))
            let oauth = try #require(manifest["oauth_config"] as? [String: Any])
            return try #require((oauth["scopes"] as? [String: Any])?["bot"] as? [String])
        }
        var config = try Self.example()
        #expect(!config.onCallSlackUserIds.isEmpty)
        #expect(
            try scopes(config) == [
                "commands", "chat:write", "channels:history", "groups:history", "im:write", "users:read",
                "users:read.email",
            ])
        config.onCallSlackUserIds = []
        #expect(
            try scopes(config) == [
                "commands", "chat:write", "channels:history", "groups:history", "users:read", "users:read.email",
            ])
        // Each scope says why, for the README.
        #expect(SlackManifest.botScopes(for: config).allSatisfy { !$0.reason.isEmpty })
    }

    @Test(
        "--url must be an https base address",
        arguments: [
            ("http://slipway.example.com", "--url must use https (got http://)"),
            ("http://127.0.0.1:8080", "--url must use https"),
            ("slipway.example.com", "--url must be the https address Slack reaches Slipway at"),
            ("https://", "--url must be the https address"),
            ("https://slipway.example.com/?a=b", "--url must be a plain base address"),
        ])
    func badURLs(_ url: String, _ expected: String) throws {
        let config = try Self.example()
        #expect {
            try SlackManifest.render(for: config, baseURL: url)
        } throws: { error in
            (error as? SlackManifest.URLError)?.description.hasPrefix(expected) == true
        }
    }
}
