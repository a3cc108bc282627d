extension SlipwayConfig.Kubernetes {
    /// Reads `kubernetes` (absent means in-cluster).
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.kubernetes)
        let api = try fields.required("apiServer")
        let apiServer = try api.nonEmptyString()
        if apiServer != "in-cluster" { _ = try api.url() }
        self.init(
            apiServer: apiServer, tokenEnv: try fields.optional("tokenEnv")?.envName(),
            caFile: try fields.optional("caFile")?.nonEmptyString())
    }
}
