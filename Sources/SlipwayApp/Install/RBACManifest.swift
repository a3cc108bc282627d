import DeployCore
import SlipwayKubernetes

/// The Kubernetes permissions a configuration needs and nothing more: one namespaced Role per namespace its services
/// name, each bound to Slipway's service account (`slipway rbac --config FILE`).
///
/// - Workload namespaces (`workload.namespace`, each of `workloads`): `list` on the workload kinds used there
///   (Deployments, StatefulSets, DaemonSets), pods, events, ConfigMaps and SealedSecrets — what `ClusterObserver`
///   reads there (events, ConfigMaps and SealedSecrets only to diagnose a failed rollout; a
///   missing Secret is always checked against its SealedSecret). Never Secrets.
/// - Flux namespaces (`flux.namespace`): `get` and `patch` on exactly the configured Kustomizations (the observer
///   reads each by name, `FluxReconciler` annotates it) and `patch` on exactly the configured GitRepositories, by
///   `resourceNames`.
///
/// A test runs deploys against the fake API server and checks that every request is allowed by these rules and that
/// every rule is used.
public struct RBACManifest: Sendable, Equatable {
    /// One rule of a Role.
    public struct Rule: Sendable, Hashable {
        /// The API group, `""` for the core group.
        public var apiGroup: String
        public var resources: [String]
        /// The objects the rule is limited to; nil for every object of the resources.
        public var resourceNames: [String]?
        public var verbs: [String]

        public init(apiGroup: String, resources: [String], resourceNames: [String]? = nil, verbs: [String]) {
            self.apiGroup = apiGroup
            self.resources = resources
            self.resourceNames = resourceNames
            self.verbs = verbs
        }
    }

    /// The Role of one namespace.
    public struct Role: Sendable, Equatable {
        public var namespace: String
        /// Sorted by API group.
        public var rules: [Rule]
    }

    /// One thing a request needs: a verb on a resource in a namespace, on one named object or (`name` nil) on the
    /// whole collection.
    public struct Permission: Sendable, Hashable, CustomStringConvertible {
        public var namespace: String
        public var apiGroup: String
        public var resource: String
        public var verb: String
        public var name: String?

        public init(namespace: String, apiGroup: String, resource: String, verb: String, name: String? = nil) {
            self.namespace = namespace
            self.apiGroup = apiGroup
            self.resource = resource
            self.verb = verb
            self.name = name
        }

        public var description: String {
            let group = apiGroup.isEmpty ? "" : ".\(apiGroup)"
            return "\(verb) \(resource)\(group)\(name.map { "/\($0)" } ?? "") in \(namespace)"
        }
    }

    /// The name of every Role and RoleBinding.
    public static let roleName = "slipway"
    /// The service account the bindings grant to (`Config/kubernetes/base/serviceaccount.yaml`).
    public static let serviceAccount = (namespace: "slipway", name: "slipway")

    /// One Role per namespace, sorted byte-wise by namespace.
    public let roles: [Role]

    /// The Roles `config` needs.
    /// - Throws: `ConfigError` naming the field when a namespace or Flux object name is not a valid Kubernetes name
    ///   (a Role for it could not be applied).
    /// - Parameter cluster: Only the environments of this cluster (`clusters.<name>`, or `kubernetes` for the
    ///   top-level one); nil for every environment.
    public init(config: SlipwayConfig, cluster: String? = nil) throws(ConfigError) {
        var workloadNamespaces: Set<String> = []
        var workloadKinds: [String: Set<WorkloadKind>] = [:]  // workload namespace → kinds used there
        var kustomizations: [String: Set<String>] = [:]  // Flux namespace → names
        var gitRepositories: [String: Set<String>] = [:]
        for (serviceName, service) in config.catalog.services {
            for (envName, env) in service.environments
            where cluster == nil || SlipwayConfig.clusterName(of: env) == cluster {
                let path = "services.\(serviceName).environments.\(envName)"
                for (index, workload) in env.otherWorkloads.enumerated() {
                    try Self.check(workload.namespace, label: true, path: path + ".workloads[\(index + 1)].namespace")
                    workloadNamespaces.insert(workload.namespace)
                    workloadKinds[workload.namespace, default: []].insert(workload.kind)
                }
                workloadKinds[env.workload.namespace, default: []].insert(env.workload.kind)
                try Self.check(env.workload.namespace, label: true, path: path + ".workload.namespace")
                try Self.check(env.flux.namespace, label: true, path: path + ".flux.namespace")
                try Self.check(env.flux.kustomization, label: false, path: path + ".flux.kustomization")
                try Self.check(env.flux.gitRepository, label: false, path: path + ".flux.gitRepository")
                workloadNamespaces.insert(env.workload.namespace)
                kustomizations[env.flux.namespace, default: []].insert(env.flux.kustomization)
                gitRepositories[env.flux.namespace, default: []].insert(env.flux.gitRepository)
                for step in env.preDeploy {
                    kustomizations[step.flux.namespace, default: []].insert(step.flux.name)
                    gitRepositories[step.flux.namespace, default: []].insert(step.gitRepository)
                }
            }
        }
        let workflowRules = Self.workflowRules(config: config)
        let namespaces = workloadNamespaces.union(kustomizations.keys).union(workflowRules.keys)
        roles = Self.sorted(namespaces).map { namespace in
            var rules: [Rule] = []
            if workloadNamespaces.contains(namespace) {
                rules += Self.workloadRules(kinds: workloadKinds[namespace] ?? [.deployment])
            }
            for rule in workflowRules[namespace] ?? [] where !rules.contains(rule) { rules.append(rule) }
            if let names = kustomizations[namespace] {
                rules.append(Self.rule(.kustomizations, names: names, verbs: ["get", "patch"]))
            }
            if let names = gitRepositories[namespace] {
                rules.append(Self.rule(.gitRepositories, names: names, verbs: ["patch"]))
            }
            rules.sort { $0.apiGroup.utf8.lexicographicallyPrecedes($1.apiGroup.utf8) }
            return Role(namespace: namespace, rules: rules)
        }
    }

    /// What the rollout watch lists in a workload namespace running workloads of `kinds`; by API group.
    private static func workloadRules(kinds: Set<WorkloadKind>) -> [Rule] {
        let plurals: [WorkloadKind: String] = [
            .deployment: KubernetesResource.deployments.plural, .statefulSet: KubernetesResource.statefulSets.plural,
            .daemonSet: KubernetesResource.daemonSets.plural,
        ]
        return [
            Rule(
                apiGroup: "",
                resources: sorted([
                    KubernetesResource.configMaps.plural, KubernetesResource.events.plural,
                    KubernetesResource.pods.plural,
                ]), verbs: ["list"]),
            Rule(
                apiGroup: KubernetesResource.deployments.group!, resources: sorted(kinds.compactMap { plurals[$0] }),
                verbs: ["list"]),
            Rule(
                apiGroup: KubernetesResource.sealedSecrets.group!,
                resources: [KubernetesResource.sealedSecrets.plural], verbs: ["list"]),
        ]
    }

    private static func rule<Object>(_ resource: KubernetesResource<Object>, names: Set<String>, verbs: [String])
        -> Rule
    {
        Rule(apiGroup: resource.group ?? "", resources: [resource.plural], resourceNames: sorted(names), verbs: verbs)
    }

    private static func sorted(_ names: some Sequence<String>) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Namespaces are DNS-1123 labels (at most 63 characters); object names DNS-1123 subdomains (at most 253, `.`
    /// allowed).
    private static func check(_ name: String, label: Bool, path: String) throws(ConfigError) {
        let bytes = Array(name.utf8)
        let alphanumeric: (UInt8) -> Bool = { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
        let valid =
            !bytes.isEmpty && bytes.count <= (label ? 63 : 253) && alphanumeric(bytes.first!)
            && alphanumeric(bytes.last!) && bytes.allSatisfy { alphanumeric($0) || $0 == 45 || (!label && $0 == 46) }
        guard !valid else { return }
        let rule =
            label
            ? "a Kubernetes namespace is lowercase letters, digits and -, at most 63, starting and ending with a letter or digit"
            : "a Kubernetes object name is lowercase letters, digits, - and ., at most 253, starting and ending with a letter or digit"
        throw ConfigError(path: path, problem: "\"\(name)\" is not a valid name (\(rule))")
    }

    // MARK: - Checking requests

    /// Every permission the Roles grant, one per namespace, resource, verb and (for named rules) object.
    public var permissions: Set<Permission> {
        var all: Set<Permission> = []
        for role in roles {
            for rule in role.rules {
                for resource in rule.resources {
                    for verb in rule.verbs {
                        for name in rule.resourceNames.map({ $0.map(Optional.some) }) ?? [nil] {
                            all.insert(
                                Permission(
                                    namespace: role.namespace, apiGroup: rule.apiGroup, resource: resource, verb: verb,
                                    name: name))
                        }
                    }
                }
            }
        }
        return all
    }

    /// Whether the Roles allow a request, as Kubernetes' RBAC authorizer decides: a rule with `resourceNames` allows
    /// only requests for one of those names; one without allows the whole collection and every object in it.
    public func allows(_ request: Permission) -> Bool {
        guard let role = roles.first(where: { $0.namespace == request.namespace }) else { return false }
        return role.rules.contains { rule in
            guard rule.apiGroup == request.apiGroup, rule.resources.contains(request.resource),
                rule.verbs.contains(request.verb)
            else { return false }
            guard let names = rule.resourceNames else { return true }
            return request.name.map(names.contains) ?? false
        }
    }

    // MARK: - YAML

    /// The Roles, then the RoleBindings, as one multi-document YAML file.
    /// - Parameter configPath: The config file as the user typed it, for the header line.
    public func yaml(configPath: String) -> String {
        let typed = configPath.split(whereSeparator: \.isNewline).joined(separator: " ")
        var lines = ["# generated by `slipway rbac --config \(typed)`"]
        for role in roles {
            lines += [
                "---", "apiVersion: rbac.authorization.k8s.io/v1", "kind: Role", "metadata:",
                "  name: \(Self.roleName)", "  namespace: \(role.namespace)", "rules:",
            ]
            for rule in role.rules {
                lines.append("  - apiGroups: \(Self.flow([rule.apiGroup]))")
                lines.append("    resources: \(Self.flow(rule.resources))")
                if let names = rule.resourceNames { lines.append("    resourceNames: \(Self.flow(names))") }
                lines.append("    verbs: \(Self.flow(rule.verbs))")
            }
        }
        for role in roles {
            lines += [
                "---", "apiVersion: rbac.authorization.k8s.io/v1", "kind: RoleBinding", "metadata:",
                "  name: \(Self.roleName)", "  namespace: \(role.namespace)", "roleRef:",
                "  apiGroup: rbac.authorization.k8s.io", "  kind: Role", "  name: \(Self.roleName)", "subjects:",
                "  - kind: ServiceAccount", "    name: \(Self.serviceAccount.name)",
                "    namespace: \(Self.serviceAccount.namespace)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `["a", "b"]`: the names are checked Kubernetes names, so none needs escaping.
    private static func flow(_ items: [String]) -> String {
        "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
