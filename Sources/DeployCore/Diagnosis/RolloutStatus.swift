/// Where a Deployment's rollout stands, decided exactly as `kubectl rollout status` decides it.
public enum RolloutStatus: Sendable, Equatable {
    /// Still rolling out; `message` is kubectl's wording, e.g.
    /// `Waiting for deployment "shop" rollout to finish: 1 out of 3 new replicas have been updated...`.
    case progressing(updated: Int, ready: Int, desired: Int, message: String)
    /// Every replica is updated and available, and no old replica is left.
    case complete
    /// The Deployment controller gave up: `Progressing` has reason `ProgressDeadlineExceeded`.
    case failed(reason: String)

    /// The reason the Deployment controller writes when `progressDeadlineSeconds` passes.
    public static let progressDeadlineExceeded = "ProgressDeadlineExceeded"

    /// Evaluates a Deployment the way kubectl's `DeploymentStatusViewer` does.
    /// - Parameter deployment: The Deployment as last read from the API server.
    /// - Returns: The rollout status.
    public static func evaluate(_ deployment: K8s.Deployment) -> RolloutStatus {
        let name = deployment.metadata.name ?? ""
        let status = deployment.status
        let updated = status?.updatedReplicas ?? 0
        let ready = status?.readyReplicas ?? 0
        let replicas = status?.replicas ?? 0
        let available = status?.availableReplicas ?? 0
        // The API server defaults spec.replicas to 1; kubectl skips the check only when it is absent.
        let desired = deployment.spec?.replicas

        guard (deployment.metadata.generation ?? 0) <= (status?.observedGeneration ?? 0) else {
            return .progressing(
                updated: updated, ready: ready, desired: desired ?? 1,
                message: "Waiting for deployment spec update to be observed...")
        }
        if let progressing = status?.conditions?[type: "Progressing"], progressing.reason == progressDeadlineExceeded {
            return .failed(reason: "deployment \"\(name)\" exceeded its progress deadline")
        }
        if let desired, updated < desired {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message:
                    "Waiting for deployment \"\(name)\" rollout to finish: \(updated) out of \(desired) new replicas have been updated..."
            )
        }
        if replicas > updated {
            return .progressing(
                updated: updated, ready: ready, desired: desired ?? replicas,
                message:
                    "Waiting for deployment \"\(name)\" rollout to finish: \(replicas - updated) old replicas are pending termination..."
            )
        }
        if available < updated {
            return .progressing(
                updated: updated, ready: ready, desired: desired ?? replicas,
                message:
                    "Waiting for deployment \"\(name)\" rollout to finish: \(available) of \(updated) updated replicas are available..."
            )
        }
        return .complete
    }
}
