extension SlipwayConfig.PagerDuty {
    /// Reads `pagerduty`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.pagerDuty)
        self.init(
            routingKeyEnv: try fields.required("routingKeyEnv").envName(),
            eventsURL: try fields.optional("eventsURL")?.url() ?? "https://events.pagerduty.com/v2/enqueue")
    }
}
