extension K8s {
    /// An apps/v1 `StatefulSet`, as far as its rollout and its pods go.
    public struct StatefulSet: Sendable, Equatable, Decodable {
        public struct UpdateStrategy: Sendable, Equatable, Decodable {
            public struct RollingUpdate: Sendable, Equatable, Decodable {
                /// Pods with an ordinal below this keep the old revision.
                public var partition: Int?
            }

            /// `RollingUpdate` (the default) or `OnDelete`.
            public var type: String?
            public var rollingUpdate: RollingUpdate?
        }

        public struct Spec: Sendable, Equatable, Decodable {
            public var replicas: Int?
            public var selector: Deployment.Selector?
            public var template: Deployment.Template?
            public var updateStrategy: UpdateStrategy?
        }

        public struct Status: Sendable, Equatable, Decodable {
            public var observedGeneration: Int?
            public var replicas: Int?
            public var readyReplicas: Int?
            public var currentReplicas: Int?
            public var updatedReplicas: Int?
            public var availableReplicas: Int?
            /// The revision (`<name>-<hash>`) the pods below `updateRevision` run.
            public var currentRevision: String?
            /// The revision of the current template; its pods carry it as `controller-revision-hash`.
            public var updateRevision: String?
        }

        public var metadata: ObjectMeta
        public var spec: Spec?
        public var status: Status?
    }
}
