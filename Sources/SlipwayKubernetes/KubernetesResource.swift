import DeployCore

/// A namespaced resource kind of the Kubernetes API and the model its objects decode into.
///
/// ```swift
/// let pods = try await client.list(.pods, namespace: "shop", labelSelector: "app=shop")
/// ```
public struct KubernetesResource<Object: Decodable & Sendable>: Sendable, Hashable {
    /// The API group, or nil for the core group (`/api/v1`).
    public let group: String?
    public let version: String
    /// The plural resource name in paths, e.g. `kustomizations`.
    public let plural: String

    public init(group: String?, version: String, plural: String) {
        self.group = group
        self.version = version
        self.plural = plural
    }

    /// `/apis/<group>/<version>` or `/api/v1`.
    public var apiPrefix: String { group.map { "/apis/\($0)/\(version)" } ?? "/api/\(version)" }

    /// The collection path in a namespace, e.g. `/api/v1/namespaces/shop/pods`.
    public func collectionPath(namespace: String) -> String { "\(apiPrefix)/namespaces/\(namespace)/\(plural)" }

    /// One object's path, e.g. `/apis/apps/v1/namespaces/shop/deployments/shop`.
    public func objectPath(namespace: String, name: String) -> String {
        "\(collectionPath(namespace: namespace))/\(name)"
    }
}

extension KubernetesResource where Object == K8s.Kustomization {
    public static var kustomizations: Self {
        .init(group: "kustomize.toolkit.fluxcd.io", version: "v1", plural: "kustomizations")
    }
}

extension KubernetesResource where Object == K8s.GitRepository {
    public static var gitRepositories: Self {
        .init(group: "source.toolkit.fluxcd.io", version: "v1", plural: "gitrepositories")
    }
}

extension KubernetesResource where Object == K8s.Deployment {
    public static var deployments: Self { .init(group: "apps", version: "v1", plural: "deployments") }
}

extension KubernetesResource where Object == K8s.StatefulSet {
    public static var statefulSets: Self { .init(group: "apps", version: "v1", plural: "statefulsets") }
}

extension KubernetesResource where Object == K8s.DaemonSet {
    public static var daemonSets: Self { .init(group: "apps", version: "v1", plural: "daemonsets") }
}

extension KubernetesResource where Object == K8s.ReplicaSet {
    public static var replicaSets: Self { .init(group: "apps", version: "v1", plural: "replicasets") }
}

extension KubernetesResource where Object == K8s.Pod {
    public static var pods: Self { .init(group: nil, version: "v1", plural: "pods") }
}

extension KubernetesResource where Object == K8s.Event {
    public static var events: Self { .init(group: nil, version: "v1", plural: "events") }
}

extension KubernetesResource where Object == K8s.ConfigMap {
    public static var configMaps: Self { .init(group: nil, version: "v1", plural: "configmaps") }
}

extension KubernetesResource where Object == K8s.SealedSecret {
    public static var sealedSecrets: Self { .init(group: "bitnami.com", version: "v1alpha1", plural: "sealedsecrets") }
}
