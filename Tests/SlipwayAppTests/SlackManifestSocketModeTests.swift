import DeployCore
import Foundation
import SlipwayApp
import Testing

@Suite("Slack app manifest in Socket Mode")
struct SlackManifestSocketModeTests {
    @Test("socket_mode_enabled is on and no request URL is listed; no --url is needed")
    func socketMode() throws {
        var config = try SlackManifestTests.example()
        config.slack.socketMode = SlipwayConfig.SocketMode(appTokenEnv: "SLACK_APP_TOKEN")
        let text = try SlackManifest.render(for: config, baseURL: nil)
        #expect(!text.contains("url"), "\(text)")
        let manifest = try SlackManifestTests.object(text)
        let settings = try #require(manifest["settings"] as? [String: Any])
        #expect(settings["socket_mode_enabled"] as? Bool == true)
        let interactivity = try #require(settings["interactivity"] as? [String: Any])
        #expect(interactivity["is_enabled"] as? Bool == true)
        let features = try #require(manifest["features"] as? [String: Any])
        let commands = try #require(features["slash_commands"] as? [[String: Any]])
        #expect(commands.count == 3)
        // A --url given anyway changes nothing.
        #expect(try SlackManifest.render(for: config, baseURL: "https://ignored.example.com") == text)
    }

    @Test("without Socket Mode a missing --url says what to give")
    func httpNeedsURL() throws {
        let config = try SlackManifestTests.example()
        #expect(throws: SlackManifest.URLError.self) { try SlackManifest.render(for: config, baseURL: nil) }
        do {
            _ = try SlackManifest.render(for: config, baseURL: nil)
        } catch {
            #expect(error.description.contains("missing --url"))
        }
    }
}
