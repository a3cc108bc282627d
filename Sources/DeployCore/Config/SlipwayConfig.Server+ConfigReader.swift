extension SlipwayConfig.Server {
    /// Reads `server`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: [
            "host", "port", "maxBodyBytes", "drainSeconds", "threads", "connectionMemoryBytes",
            // Connection abuse limits.
            "maxConnections", "maxConnectionsPerClient", "requestDeadlineSeconds",
        ])
        let port = try fields.optional("port")?.int(in: 0...65535) ?? 8080
        self.init(
            host: try fields.optional("host")?.nonEmptyString() ?? "127.0.0.1",
            port: port,
            maxBodyBytes: try fields.optional("maxBodyBytes")?.int(in: 1024...(64 << 20)) ?? 1 << 20,
            drainSeconds: try fields.optional("drainSeconds")?.number(in: 0...600) ?? 10,
            threads: try fields.optional("threads")?.int(in: 1...256),
            connectionMemoryBytes: try fields.optional("connectionMemoryBytes")?.int(in: 4096...(1 << 20)) ?? 8 << 10)
        // Connection abuse limits.
        maxConnections = try fields.optional("maxConnections")?.int(in: 16...(1 << 20))
        maxConnectionsPerClient = try fields.optional("maxConnectionsPerClient")?.int(in: 0...(1 << 20)) ?? 512
        requestDeadlineSeconds = try fields.optional("requestDeadlineSeconds")?.int(in: 0...3600) ?? 30
    }
}
