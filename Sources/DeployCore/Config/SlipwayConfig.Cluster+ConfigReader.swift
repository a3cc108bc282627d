extension SlipwayConfig.Cluster {
    /// Reads `clusters.<name>`: `{"apiServer", "tokenEnv"?, "tokenFile"?, "caFile"?, "clientCertFile"?,
    /// "clientKeyFile"?}` or `{"kubeconfig", "context"?}`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.cluster)
        let api = try fields.optional("apiServer")
        let kubeconfig = try fields.optional("kubeconfig")
        let credentials = ["tokenEnv", "tokenFile", "caFile", "clientCertFile", "clientKeyFile"]
        switch (api, kubeconfig) {
        case (let api?, nil):
            let apiServer = try api.nonEmptyString()
            if apiServer != "in-cluster" { _ = try api.url() }
            if let context = try fields.optional("context") {
                throw ConfigError(path: context.path, problem: "goes with \"kubeconfig\", not with \"apiServer\"")
            }
            self.init(
                source: .apiServer(apiServer), tokenEnv: try fields.optional("tokenEnv")?.envName(),
                tokenFile: try fields.optional("tokenFile")?.nonEmptyString(),
                caFile: try fields.optional("caFile")?.nonEmptyString(),
                clientCertFile: try fields.optional("clientCertFile")?.nonEmptyString(),
                clientKeyFile: try fields.optional("clientKeyFile")?.nonEmptyString())
            for key in credentials where apiServer == "in-cluster" {
                if let given = try fields.optional(key) {
                    throw ConfigError(
                        path: given.path,
                        problem: "is not used with \"in-cluster\" (the pod's service account token and CA are)")
                }
            }
            if tokenEnv != nil, tokenFile != nil {
                throw ConfigError(
                    path: fields.path + ".tokenFile", problem: "give \"tokenEnv\" or \"tokenFile\", not both")
            }
            if (clientCertFile == nil) != (clientKeyFile == nil) {
                let missing = clientCertFile == nil ? "clientCertFile" : "clientKeyFile"
                throw ConfigError(
                    path: fields.path + "." + missing,
                    problem: "is required with \(missing == "clientCertFile" ? "clientKeyFile" : "clientCertFile") "
                        + "(TLS client authentication needs the certificate and its key)")
            }
        case (nil, let kubeconfig?):
            for key in credentials {
                if let given = try fields.optional(key) {
                    throw ConfigError(
                        path: given.path,
                        problem: "is not used with \"kubeconfig\" (the kubeconfig's user entry gives the credentials)")
                }
            }
            self.init(
                source: .kubeconfig(
                    path: try kubeconfig.nonEmptyString(), context: try fields.optional("context")?.nonEmptyString()))
        case (_?, _?):
            throw ConfigError(
                path: fields.path + ".kubeconfig", problem: "give \"apiServer\" or \"kubeconfig\", not both")
        case (nil, nil):
            throw ConfigError(
                path: fields.path + ".apiServer",
                problem: "is required: \"in-cluster\" or the API server URL (or give \"kubeconfig\" and \"context\")")
        }
    }

    /// Reads `clusters` (absent: none besides the top-level `kubernetes`).
    static func all(reading reader: ConfigReader?) throws(ConfigError) -> [String: SlipwayConfig.Cluster] {
        guard let reader else { return [:] }
        var clusters: [String: SlipwayConfig.Cluster] = [:]
        for (name, entry) in try reader.entries() {
            try ConfigReader.checkName(name, path: entry.path, what: "cluster")
            if name == SlipwayConfig.defaultClusterName {
                throw ConfigError(
                    path: entry.path,
                    problem: "the name \"kubernetes\" is the top-level kubernetes section's cluster; choose another")
            }
            clusters[name] = try SlipwayConfig.Cluster(reading: entry)
        }
        return clusters
    }

    /// Checks that every environment's `cluster` names a configured cluster.
    static func checkReferences(_ catalog: Catalog, clusters: [String: SlipwayConfig.Cluster]) throws(ConfigError) {
        let known = [SlipwayConfig.defaultClusterName] + clusters.keys.sorted()
        for service in catalog.serviceNames {
            guard let entry = catalog.services[service] else { continue }
            for envName in entry.environments.keys.sorted() {
                guard let cluster = entry.environments[envName]?.cluster,
                    cluster != SlipwayConfig.defaultClusterName, clusters[cluster] == nil
                else { continue }
                let hint = Suggestion.closest(to: cluster, among: known).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw ConfigError(
                    path: "services.\(service).environments.\(envName).cluster",
                    problem:
                        "no cluster \"\(cluster)\" in clusters\(hint); configured: \(known.joined(separator: ", "))")
            }
        }
    }
}
