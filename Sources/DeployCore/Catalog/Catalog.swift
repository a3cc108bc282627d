/// The services Slipway deploys and their environments, from the configuration.
public struct Catalog: Sendable, Equatable {
    public var services: [String: ServiceEntry]
    /// The status command as configured (`slack.commands.status`), named in "unknown service" replies.
    public var statusCommand = SlashCommandNames.defaults.status

    public init(services: [String: ServiceEntry]) { self.services = services }

    /// The configuration of one environment of a service; nil when either is not (or no longer) configured.
    public subscript(target: EnvironmentKey) -> EnvironmentEntry? {
        services[target.service]?.environments[target.environment]
    }

    /// Service names, sorted.
    public var serviceNames: [String] { services.keys.sorted() }

    /// The service configured for a CI repository (`owner/name`), compared case-insensitively.
    public func service(forRepo repo: String) -> ServiceEntry? {
        let wanted = repo.lowercased()
        return services.values.sorted { $0.name < $1.name }.first { $0.repo.lowercased() == wanted }
    }

    /// Resolves user-typed names, or explains what is wrong with a suggestion.
    /// - Returns: the service and environment entries.
    /// - Throws: `CatalogError` with a user-facing message.
    public func resolve(service: String, environment: String) throws(CatalogError) -> (
        ServiceEntry, EnvironmentEntry
    ) {
        let entry = try resolve(service: service)
        guard let env = entry.environments[environment] else {
            let names = entry.environmentNames
            throw CatalogError(
                message: "Unknown environment `\(environment)` for `\(entry.name)`."
                    + Suggestion.didYouMean(environment, among: names)
                    + " Environments of `\(entry.name)`: \(names.map { "`\($0)`" }.joined(separator: ", ")).")
        }
        return (entry, env)
    }

    /// Resolves a user-typed service name.
    public func resolve(service: String) throws(CatalogError) -> ServiceEntry {
        if let entry = services[service] { return entry }
        throw CatalogError(
            message: "Unknown service `\(service)`." + Suggestion.didYouMean(service, among: serviceNames)
                + " Try `\(statusCommand)` for the list.")
    }
}

/// One deployable service.
public struct ServiceEntry: Sendable, Equatable {
    public var name: String
    /// The application repository as CI names it (`owner/name`).
    public var repo: String
    /// The image reference without tag, e.g. `ghcr.io/nortinia-ltd/shop`.
    public var image: String
    public var environments: [String: EnvironmentEntry]

    public init(name: String, repo: String, image: String, environments: [String: EnvironmentEntry]) {
        self.name = name
        self.repo = repo
        self.image = image
        self.environments = environments
    }

    /// Environment names in promotion order (sources before the environments promoted from them), then by name.
    public var environmentNames: [String] {
        environments.keys.sorted { a, b in
            let da = depth(a)
            let db = depth(b)
            return da == db ? a < b : da < db
        }
    }

    private func depth(_ name: String) -> Int {
        var seen: Set<String> = []
        var current = name
        var depth = 0
        while let next = environments[current]?.promoteFrom, !seen.contains(next) {
            seen.insert(current)
            current = next
            depth += 1
        }
        return depth
    }
}

/// One environment of a service.
public struct EnvironmentEntry: Sendable, Equatable {
    public struct FluxRef: Sendable, Equatable {
        public var namespace: String
        public var kustomization: String
        public var gitRepository: String
        public init(namespace: String, kustomization: String, gitRepository: String) {
            self.namespace = namespace
            self.kustomization = kustomization
            self.gitRepository = gitRepository
        }
    }

    public struct Workload: Sendable, Equatable {
        public var namespace: String
        /// The workload's name, whatever its kind (`name` says the same).
        public var deployment: String
        /// Deployment, StatefulSet or DaemonSet.
        public var kind: WorkloadKind = .deployment
        public init(namespace: String, deployment: String) {
            self.namespace = namespace
            self.deployment = deployment
        }
    }

    public var name: String
    /// Path of the kustomization.yaml in the GitOps repository.
    public var kustomization: String
    public var flux: FluxRef
    public var workload: Workload
    /// Further workloads the deploy must roll out (`workloads` beyond the first), e.g. a worker next to the API.
    public var otherWorkloads: [Workload] = []
    /// The cluster (`clusters.<name>`) the environment runs in; nil for the top-level `kubernetes` cluster.
    public var cluster: String? = nil
    public var autoDeploy: Bool
    public var promoteFrom: String?
    public var requireApproval: Bool
    /// Slack user ids allowed to deploy; `*` means anyone in the workspace.
    public var deployers: [String]
    /// Slack user ids allowed to approve; `*` means anyone (still never the requester).
    public var approvers: [String]
    /// Promotion gate: minutes a tag must have been live and healthy in `promoteFrom` before promotion.
    public var soakMinutes = 0
    /// Promotion gate: refuse tags Slipway never saw built by CI nor deployed (default: on where `promoteFrom` is
    /// set).
    public var requireKnownTag = false
    /// Promotion gate: only tags whose deploy in `promoteFrom` passed verification (`Deploy.isVerified`).
    public var requireVerified = false
    /// Distinct approvers (none the requester) a deploy needs where `requireApproval` is set.
    public var approvalsRequired = 1
    /// Weekly windows in which deploys are refused (and CI deploys held), from `freezeWindows`.
    public var freezeWindows: [FreezeWindow] = []
    /// Set when the environment is deployed through a Flux HelmRelease (`helmRelease` instead of `kustomization`);
    /// `kustomization` is then the HelmRelease's `file`, the file Slipway edits.
    public var helmRelease: HelmReleaseRef?
    /// Jobs (migrations) that must complete before the application's tag is committed, in order.
    public var preDeploy: [PreDeployStep] = []
    /// The Flux ImageUpdateAutomation suspended while the environment is locked, if any.
    public var imageAutomation: ImageAutomationRef? = nil
    /// Checks run through the verification window (`verify`); nil verifies by pod health only.
    public var verify: VerifyPolicy? = nil
    /// Slipway itself rolls back to the last verified tag when a deploy here fails after its commit.
    public var autoRollback = false
    /// A canary deployed and verified before the primary, if configured.
    public var canary: CanaryEntry? = nil

    public init(
        name: String, kustomization: String, flux: FluxRef, workload: Workload, autoDeploy: Bool = false,
        promoteFrom: String? = nil, requireApproval: Bool = false, deployers: [String] = ["*"],
        approvers: [String] = []
    ) {
        self.name = name
        self.kustomization = kustomization
        self.flux = flux
        self.workload = workload
        self.autoDeploy = autoDeploy
        self.promoteFrom = promoteFrom
        self.requireApproval = requireApproval
        self.deployers = deployers
        self.approvers = approvers
    }

    /// Whether `user` may request deploys and rollbacks here.
    public func mayDeploy(_ user: String) -> Bool { deployers.contains("*") || deployers.contains(user) }

    /// Distinct approvals a request waiting here needs: `approvalsRequired` where deploys need approval, else one
    /// (an emergency, or a rollback asked for with `--emergency`).
    public var approvalsPerRequest: Int { requireApproval ? max(1, approvalsRequired) : 1 }

    /// Whether `user` may approve a request made by `requester`.
    public func mayApprove(_ user: String, requestedBy requester: String) -> Bool {
        user != requester && (approvers.contains("*") || approvers.contains(user))
    }
}

/// A name that does not resolve, with a user-facing explanation.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
