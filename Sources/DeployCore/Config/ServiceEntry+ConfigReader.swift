extension ServiceEntry {
    /// Reads `services.<name>`.
    /// - Parameter repoOwners: Repositories (lowercased) of the services read so far → their names; a repository
    ///   belongs to one service only.
    init(name: String, reading reader: ConfigReader, repoOwners: [String: String]) throws(ConfigError) {
        try ConfigReader.checkName(name, path: reader.path, what: "service")
        // `/deploy status …`, `/deploy lock …` would be read as subcommands, never as this service.
        if ["status", "stats", "lock", "unlock", "help"].contains(name) {
            throw ConfigError(
                path: reader.path,
                problem:
                    "\"\(name)\" is a word of the deploy command (`/deploy \(name) …`); name the service differently")
        }
        let fields = try reader.object(allowed: ConfigKeys.service)
        let repoField = try fields.required("repo")
        let repo = try repoField.nonEmptyString()
        guard repo.split(separator: "/").count == 2 else {
            throw ConfigError(path: repoField.path, problem: "must be owner/name as CI sends it, e.g. \"acme/shop\"")
        }
        if let other = repoOwners[repo.lowercased()] {
            throw ConfigError(path: repoField.path, problem: "repo \(repo) is already used by service \"\(other)\"")
        }
        let imageField = try fields.required("image")
        let image = try imageField.nonEmptyString()
        if image.contains("@") || image.split(separator: "/").last?.contains(":") == true {
            throw ConfigError(path: imageField.path, problem: "give the image without a tag or digest")
        }
        let environments = try Self.environments(reading: fields.required("environments"))
        self.init(name: name, repo: repo, image: image, environments: environments)
    }

    /// Reads `services.<name>.environments`, then checks every `promoteFrom` names another environment without
    /// a cycle.
    private static func environments(reading reader: ConfigReader) throws(ConfigError) -> [String: EnvironmentEntry] {
        let entries = try reader.entries()
        if entries.isEmpty { throw ConfigError(path: reader.path, problem: "configure at least one environment") }
        var environments: [String: EnvironmentEntry] = [:]
        for (name, entry) in entries {
            try ConfigReader.checkName(name, path: entry.path, what: "environment")
            environments[name] = try EnvironmentEntry(name: name, reading: entry)
        }
        for (name, entry) in entries {
            guard let from = environments[name]?.promoteFrom else { continue }
            let fromPath = entry.path + ".promoteFrom"
            if environments[from] == nil {
                let hint = Suggestion.closest(to: from, among: environments.keys).map { " (did you mean \"\($0)\"?)" }
                throw ConfigError(path: fromPath, problem: "no environment \"\(from)\"" + (hint ?? ""))
            }
            if from == name { throw ConfigError(path: fromPath, problem: "an environment cannot promote from itself") }
            var seen: Set<String> = [name]
            var current = from
            while let next = environments[current]?.promoteFrom {
                if !seen.insert(current).inserted || next == name {
                    throw ConfigError(path: fromPath, problem: "promotion cycle through \"\(current)\"")
                }
                current = next
            }
        }
        return environments
    }
}
