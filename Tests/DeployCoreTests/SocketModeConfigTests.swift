import DeployCore
import Foundation
import Testing

@Suite("slack.socketMode in the config")
struct SocketModeConfigTests {
    func parse(_ socketMode: String) throws -> SlipwayConfig {
        try ConfigLoader.parse(
            Data(
                ConfigLoaderTests.sample.replacingOccurrences(
                    of: #""deployChannel": "C0DEPLOYS""#,
                    with: #""deployChannel": "C0DEPLOYS", "socketMode": "# + socketMode
                ).utf8))
    }

    @Test("off by default; on with the app token's variable, which is then a required secret")
    func read() throws {
        #expect(try ConfigLoader.parse(Data(ConfigLoaderTests.sample.utf8)).slack.socketMode == nil)
        let config = try parse(#"{"appTokenEnv": "SLACK_APP_TOKEN"}"#)
        #expect(config.slack.socketMode == SlipwayConfig.SocketMode(appTokenEnv: "SLACK_APP_TOKEN"))
        let missing = config.missingSecrets(in: [:]).map(\.description)
        #expect(missing.contains { $0.hasPrefix("slack.socketMode.appTokenEnv: environment variable SLACK_APP_TOKEN") })
    }

    @Test("a missing or unknown key is named with its path")
    func errors() throws {
        #expect {
            try parse("{}")
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("slack.socketMode.appTokenEnv") == true
        }
        #expect {
            try parse(#"{"appTokenEnv": "SLACK_APP_TOKEN", "appToken": "xapp-1"}"#)
        } throws: { error in
            (error as? ConfigError)?.description.contains("slack.socketMode.appToken") == true
        }
    }
}
