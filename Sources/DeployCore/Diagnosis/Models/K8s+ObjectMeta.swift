extension K8s {
    /// The `metadata` of any object.
    public struct ObjectMeta: Sendable, Equatable, Decodable {
        public var name: String?
        public var namespace: String?
        public var uid: String?
        public var generation: Int?
        public var labels: [String: String]?
        public var annotations: [String: String]?
        public var ownerReferences: [OwnerReference]?
        public var creationTimestamp: String?
        /// Set when the object is being deleted (a pod terminating after a scale-down).
        public var deletionTimestamp: String?

        public init(
            name: String? = nil, namespace: String? = nil, uid: String? = nil, generation: Int? = nil,
            labels: [String: String]? = nil, annotations: [String: String]? = nil,
            ownerReferences: [OwnerReference]? = nil, creationTimestamp: String? = nil,
            deletionTimestamp: String? = nil
        ) {
            self.name = name
            self.namespace = namespace
            self.uid = uid
            self.generation = generation
            self.labels = labels
            self.annotations = annotations
            self.ownerReferences = ownerReferences
            self.creationTimestamp = creationTimestamp
            self.deletionTimestamp = deletionTimestamp
        }

        /// The label's value, or nil.
        public func label(_ key: String) -> String? { labels?[key] }

        /// The annotation's value, or nil.
        public func annotation(_ key: String) -> String? { annotations?[key] }
    }

    /// An entry of `metadata.ownerReferences`.
    public struct OwnerReference: Sendable, Equatable, Decodable {
        public var kind: String?
        public var name: String?
        public var uid: String?
        public var controller: Bool?

        public init(kind: String? = nil, name: String? = nil, uid: String? = nil, controller: Bool? = nil) {
            self.kind = kind
            self.name = name
            self.uid = uid
            self.controller = controller
        }
    }
}
