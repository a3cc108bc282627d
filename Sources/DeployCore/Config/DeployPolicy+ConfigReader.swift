extension DeployPolicy {
    /// Reads `policy`; an absent field keeps its default.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.policy)
        self.init()
        stabilityWindowSeconds =
            try fields.optional("stabilityWindowSeconds")?.number(in: 0...86_400) ?? stabilityWindowSeconds
        approvalTimeoutSeconds =
            try fields.optional("approvalTimeoutSeconds")?.number(in: 10...604_800) ?? approvalTimeoutSeconds
        pollIntervalSeconds = try fields.optional("pollIntervalSeconds")?.number(in: 0.05...600) ?? pollIntervalSeconds
        rolloutTimeoutSeconds =
            try fields.optional("rolloutTimeoutSeconds")?.number(in: 1...86_400) ?? rolloutTimeoutSeconds
        idempotencyWindowSeconds =
            try fields.optional("idempotencyWindowSeconds")?.number(in: 60...2_592_000) ?? idempotencyWindowSeconds
        readinessGraceSeconds =
            try fields.optional("readinessGraceSeconds")?.number(in: 0...3_600) ?? readinessGraceSeconds
    }
}
