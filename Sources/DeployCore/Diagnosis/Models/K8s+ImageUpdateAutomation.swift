extension K8s {
    /// A Flux `ImageUpdateAutomation` (image.toolkit.fluxcd.io/v1, also v1beta2): whether it is suspended.
    public struct ImageUpdateAutomation: Sendable, Equatable, Decodable {
        public struct Spec: Sendable, Equatable, Decodable {
            public var suspend: Bool?
        }

        public var metadata: ObjectMeta
        public var spec: Spec?

        public var isSuspended: Bool { spec?.suspend == true }
    }
}
