extension K8s {
    /// A `Job` (batch/v1): its pod template's images and how its pods ended.
    public struct Job: Sendable, Equatable, Decodable {
        public struct Spec: Sendable, Equatable, Decodable {
            public struct Template: Sendable, Equatable, Decodable {
                public var spec: PodSpec?
            }

            public var template: Template?
            public var backoffLimit: Int?
        }

        public struct Status: Sendable, Equatable, Decodable {
            /// `Complete`, `Failed` (and `SuccessCriteriaMet`, `FailureTarget` on newer clusters).
            public var conditions: [Condition]?
            public var active: Int?
            public var succeeded: Int?
            public var failed: Int?
            public var startTime: String?
            public var completionTime: String?
        }

        public var metadata: ObjectMeta
        public var spec: Spec?
        public var status: Status?

        public var name: String { metadata.name ?? "" }

        /// Images of the pod template's containers (init containers included).
        public var images: [String] { spec?.template?.spec?.allContainers.compactMap(\.image) ?? [] }

        public func condition(_ type: String) -> Condition? { status?.conditions?[type: type] }
    }
}
