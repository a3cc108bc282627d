extension K8s {
    /// A container of a pod template or pod spec.
    public struct Container: Sendable, Equatable, Decodable {
        public struct Resources: Sendable, Equatable, Decodable {
            /// Quantities as the API writes them, e.g. `{"memory": "6Gi", "cpu": "250m"}`.
            public var requests: [String: String]?
            public var limits: [String: String]?
        }

        public var name: String
        public var image: String?
        public var resources: Resources?

        public var memoryRequest: String? { resources?.requests?["memory"] }
        public var memoryLimit: String? { resources?.limits?["memory"] }
    }

    /// A pod spec, reduced to its containers.
    public struct PodSpec: Sendable, Equatable, Decodable {
        public var containers: [Container]?
        public var initContainers: [Container]?

        /// Every container, init containers first.
        public var allContainers: [Container] { (initContainers ?? []) + (containers ?? []) }
    }
}
