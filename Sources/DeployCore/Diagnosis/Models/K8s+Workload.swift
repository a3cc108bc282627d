extension K8s {
    /// The label the StatefulSet and DaemonSet controllers put on their pods: the revision a pod was made from.
    public static let controllerRevisionHashLabel = "controller-revision-hash"

    /// A workload that runs a service's pods: a Deployment, a StatefulSet or a DaemonSet.
    public enum Workload: Sendable, Equatable {
        case deployment(Deployment)
        case statefulSet(StatefulSet)
        case daemonSet(DaemonSet)

        public var metadata: ObjectMeta {
            switch self {
            case .deployment(let object): object.metadata
            case .statefulSet(let object): object.metadata
            case .daemonSet(let object): object.metadata
            }
        }

        /// The kind as the API names it: `Deployment`, `StatefulSet`, `DaemonSet`.
        public var kind: String {
            switch self {
            case .deployment: "Deployment"
            case .statefulSet: "StatefulSet"
            case .daemonSet: "DaemonSet"
            }
        }

        public var name: String { metadata.name ?? "" }

        /// The pod template's containers.
        public var containers: [Container] { template?.spec?.containers ?? [] }

        /// The pod template.
        public var template: Deployment.Template? {
            switch self {
            case .deployment(let object): object.spec?.template
            case .statefulSet(let object): object.spec?.template
            case .daemonSet(let object): object.spec?.template
            }
        }

        /// The pod selector's `matchLabels`.
        public var matchLabels: [String: String]? {
            switch self {
            case .deployment(let object): object.spec?.selector?.matchLabels
            case .statefulSet(let object): object.spec?.selector?.matchLabels
            case .daemonSet(let object): object.spec?.selector?.matchLabels
            }
        }

        /// The `matchLabels` selector as `key=value,…`, sorted by key, or nil when there is none.
        public var labelSelector: String? {
            guard let labels = matchLabels, !labels.isEmpty else { return nil }
            return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }

        /// The Deployment, when it is one.
        public var deployment: Deployment? {
            if case .deployment(let object) = self { return object }
            return nil
        }

        /// Pods as `updated/ready/desired` for the live message, whatever the kind.
        public var podCounts: (updated: Int, ready: Int, desired: Int) {
            switch self {
            case .deployment(let object):
                let updated = object.status?.updatedReplicas ?? 0
                return (updated, object.status?.readyReplicas ?? 0, object.spec?.replicas ?? updated)
            case .statefulSet(let object):
                let updated = object.status?.updatedReplicas ?? 0
                return (updated, object.status?.readyReplicas ?? 0, object.spec?.replicas ?? updated)
            case .daemonSet(let object):
                return (
                    object.status?.updatedNumberScheduled ?? 0, object.status?.numberReady ?? 0,
                    object.status?.desiredNumberScheduled ?? 0
                )
            }
        }
    }
}
