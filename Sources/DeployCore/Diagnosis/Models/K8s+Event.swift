extension K8s {
    /// A core/v1 `Event`.
    public struct Event: Sendable, Equatable, Decodable {
        public struct InvolvedObject: Sendable, Equatable, Decodable {
            public var kind: String?
            public var namespace: String?
            public var name: String?
            public var uid: String?
        }

        public var metadata: ObjectMeta?
        public var involvedObject: InvolvedObject?
        public var reason: String?
        /// `Normal` or `Warning`.
        public var type: String?
        public var message: String?
        public var count: Int?
        public var lastTimestamp: String?
    }
}
