extension K8s {
    /// A Flux `GitRepository` (source.toolkit.fluxcd.io/v1).
    public struct GitRepository: Sendable, Equatable, Decodable {
        public struct Artifact: Sendable, Equatable, Decodable {
            /// e.g. `main@sha1:<40 hex>`.
            public var revision: String?
        }

        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            public var lastHandledReconcileAt: String?
            public var artifact: Artifact?
            public var conditions: [Condition]?
        }

        public var metadata: ObjectMeta
        public var status: Status?

        public var ready: Condition? { status?.conditions?[type: "Ready"] }
    }
}
