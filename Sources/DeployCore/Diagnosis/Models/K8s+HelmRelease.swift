extension K8s {
    /// A Flux `HelmRelease` (helm.toolkit.fluxcd.io/v2), the fields that tell whether helm-controller released the
    /// object's current generation, or failed and remediated it.
    public struct HelmRelease: Sendable, Equatable, Decodable {
        public struct Status: Sendable, Equatable, Decodable {
            /// The latest generation that ended Ready or stalled.
            public var observedGeneration: Int?
            /// The generation helm-controller last attempted to release.
            public var lastAttemptedGeneration: Int?
            /// The chart revision last attempted, e.g. `1.4.2`.
            public var lastAttemptedRevision: String?
            /// `install` or `upgrade`.
            public var lastAttemptedReleaseAction: String?
            /// The value of the last `reconcile.fluxcd.io/requestedAt` annotation acted on.
            public var lastHandledReconcileAt: String?
            /// Helm releases, newest first.
            public var history: [Snapshot]?
            public var failures: Int?
            public var installFailures: Int?
            public var upgradeFailures: Int?
            public var conditions: [Condition]?
        }

        /// One entry of `status.history`.
        public struct Snapshot: Sendable, Equatable, Decodable {
            /// The Helm release revision.
            public var version: Int?
            /// `deployed`, `failed`, `superseded`, `uninstalled`, …
            public var status: String?
            public var chartName: String?
            public var chartVersion: String?
            public var appVersion: String?
            public var name: String?
            public var namespace: String?
        }

        public var metadata: ObjectMeta
        public var status: Status?

        public func condition(_ type: String) -> Condition? { status?.conditions?[type: type] }
    }
}
