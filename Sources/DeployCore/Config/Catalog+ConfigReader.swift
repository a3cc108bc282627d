extension Catalog {
    /// Reads `services`: at least one, each with its own repository.
    init(reading reader: ConfigReader) throws(ConfigError) {
        var services: [String: ServiceEntry] = [:]
        var owners: [String: String] = [:]
        let entries = try reader.entries()
        if entries.isEmpty { throw ConfigError(path: reader.path, problem: "configure at least one service") }
        for (name, entry) in entries {
            let service = try ServiceEntry(name: name, reading: entry, repoOwners: owners)
            owners[service.repo.lowercased()] = name
            services[name] = service
        }
        self.init(services: services)
    }
}
