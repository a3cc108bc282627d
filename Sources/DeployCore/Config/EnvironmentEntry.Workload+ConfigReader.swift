extension EnvironmentEntry.Workload {
    /// Reads `workload` (or an entry of `workloads`): `{"namespace", "deployment"}` for a Deployment, or
    /// `{"namespace", "kind", "name"}` for any kind (`kind` defaults to `Deployment`).
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.environmentWorkload)
        let namespace = try fields.required("namespace").nonEmptyString()
        let kind = try fields.optional("kind")?.choice(of: WorkloadKind.self) ?? .deployment
        let deployment = try fields.optional("deployment")
        let name = try fields.optional("name")
        switch (deployment, name) {
        case (let deployment?, nil):
            guard kind == .deployment else {
                throw ConfigError(
                    path: deployment.path,
                    problem: "names a Deployment but kind is \(kind.rawValue); write \"name\" instead of \"deployment\""
                )
            }
            self.init(namespace: namespace, kind: .deployment, name: try deployment.nonEmptyString())
        case (nil, let name?):
            self.init(namespace: namespace, kind: kind, name: try name.nonEmptyString())
        case (_?, _?):
            throw ConfigError(path: fields.path + ".name", problem: "give \"name\" or \"deployment\", not both")
        case (nil, nil):
            throw ConfigError(
                path: fields.path + ".name",
                problem: "is required: the workload's name (with \"kind\": Deployment, StatefulSet or DaemonSet)")
        }
    }

    /// Reads an environment's workloads: `workload` (one object) or `workloads` (a non-empty list), not both.
    /// - Returns: The workloads, the first being the environment's main one.
    static func list(in fields: ConfigReader) throws(ConfigError) -> [EnvironmentEntry.Workload] {
        let one = try fields.optional("workload")
        let many = try fields.optional("workloads")
        switch (one, many) {
        case (let one?, nil):
            return [try EnvironmentEntry.Workload(reading: one)]
        case (nil, let many?):
            guard let items = many.value as? [Any] else {
                throw ConfigError(path: many.path, problem: "must be a list of workload objects")
            }
            if items.isEmpty { throw ConfigError(path: many.path, problem: "list at least one workload") }
            var workloads: [EnvironmentEntry.Workload] = []
            for (index, item) in items.enumerated() {
                let workload = try EnvironmentEntry.Workload(
                    reading: ConfigReader(value: item, path: "\(many.path)[\(index)]"))
                if workloads.contains(where: {
                    $0.kind == workload.kind && $0.namespace == workload.namespace && $0.name == workload.name
                }) {
                    throw ConfigError(path: "\(many.path)[\(index)]", problem: "lists \(workload.label) twice")
                }
                workloads.append(workload)
            }
            return workloads
        case (_?, _?):
            throw ConfigError(path: fields.path + ".workloads", problem: "give \"workload\" or \"workloads\", not both")
        case (nil, nil):
            throw ConfigError(
                path: fields.path + ".workload",
                problem: "is required: the Deployment (or \"workloads\": a list) the environment runs")
        }
    }
}
