extension K8s {
    /// A Flux `Kustomization` (kustomize.toolkit.fluxcd.io/v1).
    public struct Kustomization: Sendable, Equatable, Decodable {
        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            /// The value of the last `reconcile.fluxcd.io/requestedAt` annotation Flux acted on.
            public var lastHandledReconcileAt: String?
            /// The source revision last applied successfully, e.g. `main@sha1:<40 hex>`.
            public var lastAppliedRevision: String?
            /// The source revision last tried, whether it applied or not.
            public var lastAttemptedRevision: String?
            public var conditions: [Condition]?
        }

        public var metadata: ObjectMeta
        public var status: Status?

        /// The `Ready` condition, or nil before Flux first reconciles.
        public var ready: Condition? { status?.conditions?[type: "Ready"] }
    }
}
