extension K8s {
    /// A core/v1 `Pod`.
    public struct Pod: Sendable, Equatable, Decodable {
        public struct Status: Sendable, Equatable, Decodable {
            /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
            public var phase: String?
            public var reason: String?
            public var message: String?
            public var conditions: [Condition]?
            public var containerStatuses: [ContainerStatus]?
            public var initContainerStatuses: [ContainerStatus]?
        }

        public var metadata: ObjectMeta
        public var spec: PodSpec?
        public var status: Status?

        public var name: String { metadata.name ?? "" }

        /// The `pod-template-hash` label naming the ReplicaSet the pod belongs to.
        public var podTemplateHash: String? { metadata.label(ReplicaSet.podTemplateHashLabel) }

        /// Init container statuses first, then the app containers'.
        public var allContainerStatuses: [ContainerStatus] {
            (status?.initContainerStatuses ?? []) + (status?.containerStatuses ?? [])
        }

        /// The spec of the named container (init or app), or nil.
        public func container(named name: String) -> Container? {
            spec?.allContainers.first { $0.name == name }
        }

        /// Whether every label of `selector` is on the pod with the same value.
        public func matches(labels selector: [String: String]) -> Bool {
            let labels = metadata.labels ?? [:]
            return selector.allSatisfy { labels[$0.key] == $0.value }
        }
    }

    /// The state of one container in a pod.
    public struct ContainerStatus: Sendable, Equatable, Decodable {
        public struct State: Sendable, Equatable, Decodable {
            public var waiting: Waiting?
            public var running: Running?
            public var terminated: Terminated?
        }

        public struct Waiting: Sendable, Equatable, Decodable {
            public var reason: String?
            public var message: String?
        }

        public struct Running: Sendable, Equatable, Decodable {
            public var startedAt: String?
        }

        public struct Terminated: Sendable, Equatable, Decodable {
            public var reason: String?
            public var message: String?
            public var exitCode: Int?
            public var signal: Int?
            public var startedAt: String?
            public var finishedAt: String?
        }

        public var name: String
        public var ready: Bool?
        public var restartCount: Int?
        public var image: String?
        public var state: State?
        public var lastState: State?
    }
}
