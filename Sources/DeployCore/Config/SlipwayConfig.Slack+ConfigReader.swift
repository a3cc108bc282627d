extension SlipwayConfig.Slack {
    /// Reads `slack`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.slack)
        self.init(
            signingSecretEnv: try fields.required("signingSecretEnv").envName(),
            botTokenEnv: try fields.required("botTokenEnv").envName(),
            apiBaseURL: try fields.optional("apiBaseURL")?.url() ?? "https://slack.com/api",
            teamId: try fields.optional("teamId")?.nonEmptyString(),
            deployChannel: try fields.required("deployChannel").nonEmptyString())
    }
}
