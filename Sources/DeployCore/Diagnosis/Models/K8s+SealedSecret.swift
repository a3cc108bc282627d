extension K8s {
    /// A Bitnami `SealedSecret` (bitnami.com/v1alpha1); only its name and `Synced` condition.
    public struct SealedSecret: Sendable, Equatable, Decodable {
        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            public var conditions: [Condition]?
        }

        public var metadata: ObjectMeta
        public var status: Status?

        public var name: String { metadata.name ?? "" }

        /// The `Synced` condition, or nil while the controller has not looked at the object yet.
        public var synced: Condition? { status?.conditions?[type: "Synced"] }
    }
}
