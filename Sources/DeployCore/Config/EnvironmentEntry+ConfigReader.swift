extension EnvironmentEntry {
    /// Reads `services.<service>.environments.<name>`.
    init(name: String, reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.environment)
        let helmRelease = try fields.optional("helmRelease").map { (field) throws(ConfigError) in
            try HelmReleaseRef(reading: field)
        }
        if helmRelease != nil, try fields.optional("kustomization") != nil {
            throw ConfigError(
                path: fields.path + ".helmRelease",
                problem: "give either kustomization (a kustomization.yaml's images: entry) or helmRelease "
                    + "(a HelmRelease's tag), not both")
        }
        let kustomizationField = try helmRelease == nil ? fields.required("kustomization") : nil
        let kustomization = try kustomizationField?.nonEmptyString() ?? helmRelease?.file ?? ""
        if let kustomizationField, kustomization.hasPrefix("/") || kustomization.split(separator: "/").contains("..") {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "must be a path inside the GitOps repository, without .. or a leading /")
        }
        if let kustomizationField, !(kustomization.hasSuffix(".yaml") || kustomization.hasSuffix(".yml")) {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "must name the kustomization.yaml file, e.g. clusters/prod/shop/kustomization.yaml")
        }
        let flux = try fields.required("flux").object(allowed: ConfigKeys.environmentFlux)
        let workloads = try Workload.list(in: fields)
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
            workload: workloads[0],
            autoDeploy: try fields.optional("autoDeploy")?.bool() ?? false,
            promoteFrom: try fields.optional("promoteFrom")?.nonEmptyString(),
            requireApproval: requireApproval,
            deployers: try fields.optional("deployers")?.stringArray() ?? ["*"],
            approvers: approvers)
        // Deploy decisions: promotion gates and approvals.
        soakMinutes = try fields.optional("soakMinutes")?.int(in: 0...525_600) ?? 0
        requireKnownTag = try fields.optional("requireKnownTag")?.bool() ?? (promoteFrom != nil)
        requireVerified = try fields.optional("requireVerified")?.bool() ?? false
        approvalsRequired = try fields.optional("approvalsRequired")?.int(in: 1...10) ?? 1
        if requireVerified && promoteFrom == nil {
            throw ConfigError(
                path: fields.path + ".requireVerified", problem: "needs promoteFrom: it gates promotion from there")
        }
        if requireApproval && approvers.count < approvalsRequired && !approvers.contains("*")
            && !approvers.contains(where: { $0.hasPrefix("S") })
        {
            throw ConfigError(
                path: fields.path + ".approvalsRequired",
                problem:
                    "needs \(approvalsRequired) distinct approvers but approvers lists \(approvers.count); add approvers or lower it"
            )
        }
        freezeWindows = try fields.optional("freezeWindows").map(FreezeWindow.list(reading:)) ?? []
        otherWorkloads = Array(workloads.dropFirst())
        cluster = try fields.optional("cluster")?.nonEmptyString()
        self.helmRelease = helmRelease
        preDeploy = try PreDeployStep.steps(
            reading: try fields.optional("preDeploy"), kustomization: kustomization, flux: self.flux)
        imageAutomation = try fields.optional("imageAutomation").map { (r) throws(ConfigError) in
            try ImageAutomationRef(reading: r, fluxNamespace: self.flux.namespace)
        }
        if let section = try fields.optional("verify") { verify = try VerifyPolicy(reading: section) }
        autoRollback = try fields.optional("autoRollback")?.bool() ?? false
        if let section = try fields.optional("canary") {
            canary = try CanaryEntry(reading: section, primary: self.workload)
        }
    }
}
