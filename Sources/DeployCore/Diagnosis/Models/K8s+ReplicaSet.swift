extension K8s {
    /// An apps/v1 `ReplicaSet`, as far as it identifies a Deployment's revision.
    public struct ReplicaSet: Sendable, Equatable, Decodable {
        /// The annotation holding the Deployment revision a ReplicaSet belongs to.
        public static let revisionAnnotation = "deployment.kubernetes.io/revision"
        /// The label the Deployment controller puts on a ReplicaSet and its pods.
        public static let podTemplateHashLabel = "pod-template-hash"

        public var metadata: ObjectMeta

        public var revision: String? { metadata.annotation(Self.revisionAnnotation) }
        public var podTemplateHash: String? { metadata.label(Self.podTemplateHashLabel) }

        /// Whether `deployment` controls this ReplicaSet (by uid when both have one, else by name).
        public func isOwned(by deployment: Deployment) -> Bool {
            (metadata.ownerReferences ?? []).contains { owner in
                guard owner.kind == nil || owner.kind == "Deployment" else { return false }
                if let uid = owner.uid, let deploymentUID = deployment.metadata.uid { return uid == deploymentUID }
                return owner.name == deployment.metadata.name
            }
        }
    }
}
