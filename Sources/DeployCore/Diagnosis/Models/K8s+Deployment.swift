extension K8s {
    /// An apps/v1 `Deployment`.
    public struct Deployment: Sendable, Equatable, Decodable {
        public struct Selector: Sendable, Equatable, Decodable {
            public var matchLabels: [String: String]?
        }

        public struct Template: Sendable, Equatable, Decodable {
            public var metadata: ObjectMeta?
            public var spec: PodSpec?
        }

        public struct Spec: Sendable, Equatable, Decodable {
            public var replicas: Int?
            public var selector: Selector?
            public var template: Template?
            public var progressDeadlineSeconds: Int?
        }

        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            public var replicas: Int?
            public var updatedReplicas: Int?
            public var readyReplicas: Int?
            public var availableReplicas: Int?
            public var unavailableReplicas: Int?
            public var conditions: [Condition]?
        }

        public var metadata: ObjectMeta
        public var spec: Spec?
        public var status: Status?

        /// The rollout revision (`deployment.kubernetes.io/revision`), matching the new ReplicaSet's.
        public var revision: String? { metadata.annotation(ReplicaSet.revisionAnnotation) }

        /// The template's containers.
        public var containers: [Container] { spec?.template?.spec?.containers ?? [] }

        /// The `matchLabels` selector as `key=value,…`, sorted by key, or nil when there is none.
        public var labelSelector: String? {
            guard let labels = spec?.selector?.matchLabels, !labels.isEmpty else { return nil }
            return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
    }
}
