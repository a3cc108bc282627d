extension VerifyPolicy {
    /// Reads `….verify`: the checks run through the verification window, each query's `$variables` checked here so
    /// `slipway check-config` names a misspelt one.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.verify)
        let interval = try fields.optional("intervalSeconds")?.number(in: 1...3600) ?? 30
        let limit = try fields.optional("failureLimit")?.int(in: 1...100) ?? 1
        let list = try fields.required("checks")
        guard let items = list.value as? [Any] else { throw ConfigError(path: list.path, problem: "must be a list") }
        if items.isEmpty {
            throw ConfigError(path: list.path, problem: "list at least one check, or leave `verify` out")
        }
        var checks: [VerificationCheck] = []
        for (i, item) in items.enumerated() {
            let check = try VerificationCheck(reading: ConfigReader(value: item, path: "\(list.path)[\(i)]"))
            if checks.contains(where: { $0.name == check.name }) {
                throw ConfigError(path: "\(list.path)[\(i)].name", problem: "another check is named \"\(check.name)\"")
            }
            checks.append(check)
        }
        self.init(intervalSeconds: interval, failureLimit: limit, checks: checks)
    }
}

extension VerificationCheck {
    /// Reads one entry of `….verify.checks`: a `prometheus` or an `http` check.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.verifyCheck)
        let name = try fields.required("name").nonEmptyString()
        let unit = try fields.optional("unit")?.choice(of: Unit.self)
        let prometheus = try fields.optional("prometheus")
        let http = try fields.optional("http")
        switch (prometheus, http) {
        case (let section?, nil):
            let query = try section.object(allowed: ConfigKeys.verifyCheckPrometheus)
            let queryField = try query.required("query")
            let text = try queryField.nonEmptyString()
            if let unknown = QueryTemplate.unknownVariable(in: text) {
                let hint = Suggestion.closest(to: unknown, among: QueryTemplate.variables).map {
                    " (did you mean $\($0)?)"
                }
                throw ConfigError(
                    path: queryField.path,
                    problem: "unknown variable $\(unknown)" + (hint ?? "") + "; queries may use "
                        + QueryTemplate.variables.map { "$\($0)" }.joined(separator: ", "))
            }
            let max = try query.optional("max")?.number(in: -1e12...1e12)
            let min = try query.optional("min")?.number(in: -1e12...1e12)
            let limit: Limit
            switch (max, min) {
            case (let max?, nil): limit = .max(max)
            case (nil, let min?): limit = .min(min)
            case (nil, nil): throw ConfigError(path: query.path, problem: "give \"max\" or \"min\", the value's limit")
            case (_?, _?): throw ConfigError(path: query.path, problem: "give \"max\" or \"min\", not both")
            }
            self.init(name: name, probe: .prometheus(query: text, limit: limit), unit: unit)
        case (nil, let section?):
            let probe = try section.object(allowed: ConfigKeys.verifyCheckHTTP)
            let url = try probe.required("url").url()
            let status = try probe.optional("expectStatus")?.int(in: 100...599) ?? 200
            self.init(name: name, probe: .http(url: url, expectStatus: status), unit: unit)
        case (nil, nil):
            throw ConfigError(path: reader.path, problem: "give the check a \"prometheus\" query or an \"http\" probe")
        case (_?, _?):
            throw ConfigError(path: reader.path, problem: "a check is either \"prometheus\" or \"http\", not both")
        }
    }
}

extension PrometheusSettings {
    /// Reads `prometheus`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.prometheus)
        self.init(url: try fields.required("url").url(), tokenEnv: try fields.optional("tokenEnv")?.envName())
    }
}

extension CanaryEntry {
    /// Reads `….canary`: the canary's kustomization and Deployment, and the checks that judge it.
    init(reading reader: ConfigReader, primary: EnvironmentEntry.Workload) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.canary)
        // Nested objects first, so an unknown key in them is named even while a required field is missing.
        _ = try fields.optional("workload")?.object(allowed: ConfigKeys.canaryWorkload)
        var flux: EnvironmentEntry.FluxRef?
        if let section = try fields.optional("flux")?.object(allowed: ConfigKeys.environmentFlux) {
            flux = .init(
                namespace: try section.optional("namespace")?.nonEmptyString() ?? "flux-system",
                kustomization: try section.required("kustomization").nonEmptyString(),
                gitRepository: try section.required("gitRepository").nonEmptyString())
        }
        var verify: VerifyPolicy?
        if let section = try fields.optional("verify") { verify = try VerifyPolicy(reading: section) }
        let kustomizationField = try fields.required("kustomization")
        let kustomization = try kustomizationField.nonEmptyString()
        if kustomization.hasPrefix("/") || kustomization.split(separator: "/").contains("..")
            || !(kustomization.hasSuffix(".yaml") || kustomization.hasSuffix(".yml"))
        {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "must name a kustomization.yaml inside the GitOps repository, without .. or a leading /")
        }
        let workload = try fields.required("workload").object(allowed: ConfigKeys.canaryWorkload)
        let namespaceField = try workload.optional("namespace")
        let namespace = try namespaceField?.nonEmptyString() ?? primary.namespace
        if namespace != primary.namespace, let namespaceField {
            throw ConfigError(
                path: namespaceField.path,
                problem:
                    "the canary must run in the primary's namespace \"\(primary.namespace)\" (it shares its Service)"
            )
        }
        let deploymentField = try workload.required("deployment")
        let deployment = try deploymentField.nonEmptyString()
        if deployment == primary.deployment {
            throw ConfigError(path: deploymentField.path, problem: "must be a Deployment other than the primary's")
        }
        if verify == nil { verify = try VerifyPolicy(reading: try fields.required("verify")) }
        self.init(
            kustomization: kustomization, workload: .init(namespace: namespace, deployment: deployment),
            verify: verify!, flux: flux)
    }
}

extension SlipwayConfig {
    /// A `prometheus` check needs the top-level `prometheus` section: named at the first check that uses it.
    static func checkPrometheusIsConfigured(_ catalog: Catalog, _ prometheus: PrometheusSettings?) throws(ConfigError) {
        guard prometheus == nil else { return }
        for service in catalog.serviceNames {
            for env in catalog.services[service]!.environmentNames {
                let entry = catalog.services[service]!.environments[env]!
                let base = "services.\(service).environments.\(env)"
                for (path, policy) in [
                    ("\(base).verify", entry.verify), ("\(base).canary.verify", entry.canary?.verify),
                ] {
                    guard let policy, let i = policy.checks.firstIndex(where: { $0.isPrometheus }) else { continue }
                    throw ConfigError(
                        path: "\(path).checks[\(i)].prometheus",
                        problem: "needs the top-level \"prometheus\" section with the server's \"url\"")
                }
            }
        }
    }
}

extension VerificationCheck {
    var isPrometheus: Bool { if case .prometheus = probe { true } else { false } }
}
