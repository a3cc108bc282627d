extension SlipwayConfig.Logging {
    /// Reads `log`; an absent field keeps its default.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.log)
        self.init()
        level = try fields.optional("level")?.choice(of: Level.self) ?? level
        format = try fields.optional("format")?.choice(of: Format.self) ?? format
    }
}
