import DeployCore
import SlipwayKubernetes

/// The Kubernetes client of each cluster an environment runs in: the top-level `kubernetes` cluster (environments
/// without `cluster`) under `SlipwayConfig.defaultClusterName`, and each `clusters.<name>` in use.
public struct ClusterClients: Sendable {
    /// Clients by cluster name.
    public let byName: [String: KubernetesClient]

    public init(_ byName: [String: KubernetesClient]) {
        self.byName = byName
    }

    /// The client of the cluster `environment` runs in; nil when that cluster has none (not in use at start-up).
    public func client(for environment: EnvironmentEntry) -> KubernetesClient? {
        byName[SlipwayConfig.clusterName(of: environment)]
    }
}
