extension K8s {
    /// An apps/v1 `DaemonSet`, as far as its rollout and its pods go.
    public struct DaemonSet: Sendable, Equatable, Decodable {
        public struct UpdateStrategy: Sendable, Equatable, Decodable {
            /// `RollingUpdate` (the default) or `OnDelete`.
            public var type: String?
        }

        public struct Spec: Sendable, Equatable, Decodable {
            public var selector: Deployment.Selector?
            public var template: Deployment.Template?
            public var updateStrategy: UpdateStrategy?
        }

        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            /// Nodes that should run the daemon pod.
            public var desiredNumberScheduled: Int?
            /// Nodes that run at least one daemon pod and should.
            public var currentNumberScheduled: Int?
            /// Nodes that run the updated daemon pod.
            public var updatedNumberScheduled: Int?
            /// Nodes whose daemon pod is available (ready for `minReadySeconds`).
            public var numberAvailable: Int?
            public var numberReady: Int?
            public var numberUnavailable: Int?
        }

        public var metadata: ObjectMeta
        public var spec: Spec?
        public var status: Status?
    }
}
