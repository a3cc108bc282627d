extension PreDeployStep {
    /// Reads `services.<service>.environments.<env>.preDeploy`: a list of steps, run in order.
    /// - Parameters:
    ///   - reader: The `preDeploy` value, or nil when absent.
    ///   - environment: The environment's application kustomization and Flux objects (the defaults).
    static func steps(
        reading reader: ConfigReader?, kustomization appKustomization: String, flux: EnvironmentEntry.FluxRef
    ) throws(ConfigError) -> [PreDeployStep] {
        guard let reader else { return [] }
        guard let items = reader.value as? [Any] else {
            throw ConfigError(
                path: reader.path,
                problem:
                    "must be a list of steps like [{\"name\": \"migrate\", \"kustomization\": \"…/kustomization.yaml\", "
                    + "\"job\": {\"namespace\": \"shop\", \"name\": \"shop-migrate\"}}]")
        }
        var steps: [PreDeployStep] = []
        for (index, item) in items.enumerated() {
            let step = try PreDeployStep(
                reading: ConfigReader(value: item, path: "\(reader.path)[\(index)]"),
                appKustomization: appKustomization,
                flux: flux)
            if steps.contains(where: { $0.name == step.name }) {
                throw ConfigError(
                    path: "\(reader.path)[\(index)].name",
                    problem: "step \"\(step.name)\" is listed twice; names must differ")
            }
            steps.append(step)
        }
        return steps
    }

    init(reading reader: ConfigReader, appKustomization: String, flux: EnvironmentEntry.FluxRef) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.preDeployStep)
        let nameField = try fields.required("name")
        let name = try nameField.nonEmptyString()
        try ConfigReader.checkName(name, path: nameField.path, what: "Step")
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
                problem:
                    "must name the step's kustomization.yaml file, e.g. clusters/prod/shop-migrate/kustomization.yaml")
        }
        if kustomization == appKustomization {
            throw ConfigError(
                path: kustomizationField.path,
                problem: "is the environment's own kustomization; the step needs its own file (with only the Job), "
                    + "or the application would be deployed before the step ran")
        }
        var fluxObject = ObjectRef(namespace: flux.namespace, name: flux.kustomization)
        var gitRepository = flux.gitRepository
        if let fluxField = try fields.optional("flux") {
            let object = try fluxField.object(allowed: ConfigKeys.preDeployStepFlux)
            fluxObject = ObjectRef(
                namespace: try object.optional("namespace")?.kubernetesName() ?? flux.namespace,
                name: try object.required("kustomization").kubernetesName())
            gitRepository = try object.optional("gitRepository")?.kubernetesName() ?? flux.gitRepository
        }
        let job = try fields.required("job").object(allowed: ConfigKeys.preDeployStepJob)
        self.init(
            name: name, kustomization: kustomization, flux: fluxObject, gitRepository: gitRepository,
            job: ObjectRef(
                namespace: try job.required("namespace").kubernetesName(),
                name: try job.required("name").kubernetesName()),
            timeoutSeconds: try fields.optional("timeoutSeconds")?.number(in: 1...86_400)
                ?? PreDeployStep.defaultTimeoutSeconds)
    }
}

extension ImageAutomationRef {
    /// Reads `services.<service>.environments.<env>.imageAutomation`.
    /// - Parameter fluxNamespace: The environment's Flux namespace, the default namespace.
    init(reading reader: ConfigReader, fluxNamespace: String) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.imageAutomation)
        var apiVersion = ImageAutomationRef.defaultAPIVersion
        if let field = try fields.optional("apiVersion") {
            apiVersion = try field.nonEmptyString()
            guard ImageAutomationRef.apiVersions.contains(apiVersion) else {
                throw ConfigError(
                    path: field.path,
                    problem: "must be one of \(ImageAutomationRef.apiVersions.joined(separator: ", ")) "
                        + "(v1 since Flux 2.7, v1beta2 before)")
            }
        }
        self.init(
            namespace: try fields.optional("namespace")?.kubernetesName() ?? fluxNamespace,
            name: try fields.required("name").kubernetesName(), apiVersion: apiVersion)
    }
}

extension ConfigReader {
    /// A Kubernetes object or namespace name (DNS-1123: lowercase letters, digits, `-`, `.`).
    func kubernetesName() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        let ok =
            s.utf8.count <= 253
            && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }
            && s.first != "-" && s.first != "." && s.last != "-" && s.last != "."
        guard ok else {
            throw ConfigError(
                path: path,
                problem: "must be a Kubernetes name (lowercase letters, digits, - and ., starting and ending with a "
                    + "letter or digit), got \"\(s)\"")
        }
        return s
    }
}
