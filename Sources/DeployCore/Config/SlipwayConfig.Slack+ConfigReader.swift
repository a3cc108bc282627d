extension SlipwayConfig.Slack {
    /// Reads `slack`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.slack)
        try self.init(fields: fields)
        if let threadLog = try fields.optional("threadLog") { self.threadLog = try threadLog.bool() }
    }

    private init(fields: ConfigReader) throws(ConfigError) {
        self.init(
            signingSecretEnv: try fields.required("signingSecretEnv").envName(),
            botTokenEnv: try fields.required("botTokenEnv").envName(),
            apiBaseURL: try fields.optional("apiBaseURL")?.url() ?? "https://slack.com/api",
            teamId: try fields.optional("teamId")?.nonEmptyString(),
            deployChannel: try fields.required("deployChannel").nonEmptyString(),
            commands: try fields.optional("commands").map(SlashCommandNames.init(reading:)) ?? .defaults,
            socketMode: try fields.optional("socketMode").map(SlipwayConfig.SocketMode.init(reading:)))
    }
}

extension SlashCommandNames {
    /// Reads `slack.commands`: each name optional, valid for Slack, not one of Slack's built-ins, all different.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.slackCommands)
        let defaults = SlashCommandNames.defaults
        func name(_ key: String, _ fallback: String) throws(ConfigError) -> (String, path: String) {
            guard let field = try fields.optional(key) else { return (fallback, "") }
            let name = try field.string()
            if let problem = SlashCommandNames.problem(with: name, fallback: fallback) {
                throw ConfigError(path: field.path, problem: problem)
            }
            return (name, field.path)
        }
        let deploy = try name("deploy", defaults.deploy)
        let rollback = try name("rollback", defaults.rollback)
        let status = try name("status", defaults.status)
        // Slack routes a command to one place; two of Slipway's commands cannot share a name. Defaults differ, so
        // of two equal names at least one was configured: blame that one.
        let all = [("deploy", deploy), ("rollback", rollback), ("status", status)]
        for (index, (key, entry)) in all.enumerated() {
            for (otherKey, other) in all[..<index] where other.0 == entry.0 {
                let (blamed, path, kept) =
                    entry.path.isEmpty ? (otherKey, other.path, key) : (key, entry.path, otherKey)
                throw ConfigError(
                    path: path,
                    problem:
                        "\"\(entry.0)\" is also the \(kept) command; each command needs its own name, e.g. \"\(entry.0)-\(blamed)\""
                )
            }
        }
        self.init(deploy: deploy.0, rollback: rollback.0, status: status.0)
    }
}
