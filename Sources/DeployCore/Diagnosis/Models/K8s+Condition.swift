extension K8s {
    /// A status condition, in the shape shared by core objects, Flux and Sealed Secrets.
    public struct Condition: Sendable, Equatable, Decodable {
        public var type: String
        /// `True`, `False` or `Unknown`.
        public var status: String
        public var reason: String?
        public var message: String?
        public var observedGeneration: Int?
        public var lastTransitionTime: String?

        public init(
            type: String, status: String, reason: String? = nil, message: String? = nil,
            observedGeneration: Int? = nil, lastTransitionTime: String? = nil
        ) {
            self.type = type
            self.status = status
            self.reason = reason
            self.message = message
            self.observedGeneration = observedGeneration
            self.lastTransitionTime = lastTransitionTime
        }

        public var isTrue: Bool { status == "True" }
        public var isFalse: Bool { status == "False" }
    }
}

extension Array where Element == K8s.Condition {
    /// The condition of the given type, or nil.
    public subscript(type type: String) -> K8s.Condition? { first { $0.type == type } }
}
