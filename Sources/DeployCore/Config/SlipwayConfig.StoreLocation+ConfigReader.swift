extension SlipwayConfig.StoreLocation {
    /// Reads `store`: `{"sqlite": {"path": …}}` or `{"postgres": {"urlEnv": …}}`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.store)
        if let sqlite = try fields.optional("sqlite") {
            self = .sqlite(path: try sqlite.object(allowed: ConfigKeys.storeSQLite).required("path").nonEmptyString())
        } else if let postgres = try fields.optional("postgres") {
            self = .postgres(
                urlEnv: try postgres.object(allowed: ConfigKeys.storePostgres).required("urlEnv").envName())
        } else {
            throw ConfigError(
                path: reader.path,
                problem:
                    #"needs {"sqlite": {"path": "var/slipway.sqlite"}} or {"postgres": {"urlEnv": "DATABASE_URL"}}"#)
        }
    }
}
