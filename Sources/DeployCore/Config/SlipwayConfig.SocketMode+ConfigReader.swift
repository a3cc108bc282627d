extension SlipwayConfig.SocketMode {
    /// Reads `slack.socketMode`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.slackSocketMode)
        self.init(appTokenEnv: try fields.required("appTokenEnv").envName())
    }
}
