extension RolloutStatus {
    /// Evaluates any workload the way `kubectl rollout status` does for its kind.
    public static func evaluate(_ workload: K8s.Workload) -> RolloutStatus {
        switch workload {
        case .deployment(let deployment): evaluate(deployment)
        case .statefulSet(let statefulSet): evaluate(statefulSet)
        case .daemonSet(let daemonSet): evaluate(daemonSet)
        }
    }

    /// Evaluates a StatefulSet as kubectl's `StatefulSetStatusViewer` does: the controller observed the spec, every
    /// replica is ready, the pods from the partition up are updated, and (without a partition) the current revision
    /// is the update revision. A StatefulSet has no progress deadline, so it never reports `failed`.
    public static func evaluate(_ statefulSet: K8s.StatefulSet) -> RolloutStatus {
        let name = statefulSet.metadata.name ?? ""
        let status = statefulSet.status
        let desired = statefulSet.spec?.replicas ?? 1
        let updated = status?.updatedReplicas ?? 0
        let ready = status?.readyReplicas ?? 0
        let observed = status?.observedGeneration ?? 0
        guard observed > 0, (statefulSet.metadata.generation ?? 0) <= observed else {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message: "Waiting for statefulset spec update to be observed...")
        }
        if ready < desired {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message: "Waiting for \(desired - ready) pods of statefulset \"\(name)\" to be ready...")
        }
        let partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
        if partition > 0 {
            guard updated >= desired - partition else {
                return .progressing(
                    updated: updated, ready: ready, desired: desired - partition,
                    message:
                        "Waiting for partitioned roll out to finish: \(updated) out of \(desired - partition) new pods have been updated..."
                )
            }
            return .complete
        }
        if updated < desired, status?.updateRevision == nil || status?.updateRevision != status?.currentRevision {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message:
                    "waiting for statefulset rolling update to complete \(updated) pods at revision \(status?.updateRevision ?? "?")..."
            )
        }
        return .complete
    }

    /// Evaluates a DaemonSet as kubectl's `DaemonSetStatusViewer` does: the controller observed the spec, every node
    /// that should run the pod runs the updated one, and each of those is available. No progress deadline either.
    public static func evaluate(_ daemonSet: K8s.DaemonSet) -> RolloutStatus {
        let name = daemonSet.metadata.name ?? ""
        let status = daemonSet.status
        let desired = status?.desiredNumberScheduled ?? 0
        let updated = status?.updatedNumberScheduled ?? 0
        let available = status?.numberAvailable ?? 0
        let ready = status?.numberReady ?? 0
        guard (daemonSet.metadata.generation ?? 0) <= (status?.observedGeneration ?? 0) else {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message: "Waiting for daemon set spec update to be observed...")
        }
        if updated < desired {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message:
                    "Waiting for daemon set \"\(name)\" rollout to finish: \(updated) out of \(desired) new pods have been updated..."
            )
        }
        if available < desired {
            return .progressing(
                updated: updated, ready: ready, desired: desired,
                message:
                    "Waiting for daemon set \"\(name)\" rollout to finish: \(available) of \(desired) updated pods are available..."
            )
        }
        return .complete
    }
}
