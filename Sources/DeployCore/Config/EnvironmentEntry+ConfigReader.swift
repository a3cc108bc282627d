extension EnvironmentEntry {
    /// Reads `services.<service>.environments.<name>`.
    init(name: String, reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.environment)
        let kustomizationField = try fields.required("kustomization")
        let kustomization = try kustomizationField.nonEmptyString()
        if kustomization.hasPrefix("/") || kustomization.split(separator: "/").contains("..") {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "must be a path inside the GitOps repository, without .. or a leading /")
        }
        if !(kustomization.hasSuffix(".yaml") || kustomization.hasSuffix(".yml")) {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "must name the kustomization.yaml file, e.g. clusters/prod/shop/kustomization.yaml")
        }
        let flux = try fields.required("flux").object(allowed: ConfigKeys.environmentFlux)
        let workload = try fields.required("workload").object(allowed: ConfigKeys.environmentWorkload)
        let requireApproval = try fields.optional("requireApproval")?.bool() ?? false
        let approvers = try fields.optional("approvers")?.stringArray() ?? []
        if requireApproval && approvers.isEmpty {
            throw ConfigError(
                path: fields.path + ".approvers",
                problem: "requireApproval is set but no approvers are listed; add Slack user ids or \"*\"")
        }
        self.init(
            name: name,
            kustomization: kustomization,
            flux: .init(
                namespace: try flux.optional("namespace")?.nonEmptyString() ?? "flux-system",
                kustomization: try flux.required("kustomization").nonEmptyString(),
                gitRepository: try flux.required("gitRepository").nonEmptyString()),
            workload: .init(
                namespace: try workload.required("namespace").nonEmptyString(),
                deployment: try workload.required("deployment").nonEmptyString()),
            autoDeploy: try fields.optional("autoDeploy")?.bool() ?? false,
            promoteFrom: try fields.optional("promoteFrom")?.nonEmptyString(),
            requireApproval: requireApproval,
            deployers: try fields.optional("deployers")?.stringArray() ?? ["*"],
            approvers: approvers)
        if let section = try fields.optional("verify") { verify = try VerifyPolicy(reading: section) }
        autoRollback = try fields.optional("autoRollback")?.bool() ?? false
        if let section = try fields.optional("canary") {
            canary = try CanaryEntry(reading: section, primary: self.workload)
        }
    }
}
