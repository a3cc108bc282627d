extension SlipwayConfig.Server {
    /// Reads `server`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.server)
        let port = try fields.optional("port")?.int(in: 0...65535) ?? 8080
        var adminPort: Int?
        if let field = try fields.optional("adminPort") {
            adminPort = try field.int(in: 1...65535)
            guard adminPort != port else {
                throw ConfigError(
                    path: field.path,
                    problem:
                        "must differ from server.port (both are \(port)); the admin port serves /metrics, /healthz and /ready apart from the Slack routes: pick another port such as 9090, or remove adminPort to serve everything on server.port"
                )
            }
        }
        self.init(
            host: try fields.optional("host")?.nonEmptyString() ?? "127.0.0.1",
            port: port,
            maxBodyBytes: try fields.optional("maxBodyBytes")?.int(in: 1024...(64 << 20)) ?? 1 << 20,
            drainSeconds: try fields.optional("drainSeconds")?.number(in: 0...600) ?? 10,
            threads: try fields.optional("threads")?.int(in: 1...256),
            connectionMemoryBytes: try fields.optional("connectionMemoryBytes")?.int(in: 4096...(1 << 20)) ?? 8 << 10,
            adminPort: adminPort)
        // Connection abuse limits.
        maxConnections = try fields.optional("maxConnections")?.int(in: 16...(1 << 20))
        maxConnectionsPerClient = try fields.optional("maxConnectionsPerClient")?.int(in: 0...(1 << 20)) ?? 512
        requestDeadlineSeconds = try fields.optional("requestDeadlineSeconds")?.int(in: 0...3600) ?? 30
    }
}
