import DeployCore
import SlipwayKubernetes

extension RBACManifest {
    /// What HelmRelease environments, pre-deploy steps and image automation need, by namespace:
    /// - HelmRelease namespaces: `get` and `patch` on exactly the configured HelmReleases;
    /// - Job namespaces: `get` on exactly the steps' Jobs, `list` on pods and `get` on `pods/log` (the failing pod's
    ///   last lines; pod names are not known in advance);
    /// - ImageUpdateAutomation namespaces: `get` and `patch` on exactly the configured automations.
    /// The steps' Flux Kustomizations and GitRepositories are added to the Flux rules by the caller.
    static func workflowRules(config: SlipwayConfig) -> [String: [Rule]] {
        var helmReleases: [String: Set<String>] = [:]
        var jobs: [String: Set<String>] = [:]
        var automations: [String: [String: Set<String>]] = [:]  // namespace → API group → names
        for service in config.catalog.services.values {
            for env in service.environments.values {
                if let release = env.helmRelease { helmReleases[release.namespace, default: []].insert(release.name) }
                for step in env.preDeploy { jobs[step.job.namespace, default: []].insert(step.job.name) }
                if let automation = env.imageAutomation {
                    let group = KubernetesResource.imageUpdateAutomations(apiVersion: automation.apiVersion).group ?? ""
                    automations[automation.object.namespace, default: [:]][group, default: []]
                        .insert(automation.object.name)
                }
            }
        }
        var rules: [String: [Rule]] = [:]
        for (namespace, names) in helmReleases {
            rules[namespace, default: []].append(named(.helmReleases, names, verbs: ["get", "patch"]))
        }
        for (namespace, names) in jobs {
            rules[namespace, default: []] += [
                named(.jobs, names, verbs: ["get"]),
                Rule(apiGroup: "", resources: ["pods"], verbs: ["list"]),
                Rule(apiGroup: "", resources: ["pods/log"], verbs: ["get"]),
            ]
        }
        for (namespace, groups) in automations {
            for (group, names) in groups {
                rules[namespace, default: []].append(
                    Rule(
                        apiGroup: group, resources: ["imageupdateautomations"], resourceNames: names.sorted(),
                        verbs: ["get", "patch"]))
            }
        }
        return rules
    }

    private static func named<Object>(_ resource: KubernetesResource<Object>, _ names: Set<String>, verbs: [String])
        -> Rule
    {
        Rule(apiGroup: resource.group ?? "", resources: [resource.plural], resourceNames: names.sorted(), verbs: verbs)
    }
}
