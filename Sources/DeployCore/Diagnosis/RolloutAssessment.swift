import Foundation

/// Judges a watched deploy from one poll's evidence. Pure: the time comes in as a parameter.
///
/// A deploy succeeds when the Kustomization's applied revision is the pushed commit (or a later one that carries it)
/// with Ready=True, the Deployment's rollout is complete, and no pod of the new ReplicaSet fails during the stability
/// window. The window judges the new pods (crashes, restarts, readiness lost for longer than a grace period), not
/// whether the Deployment happens to be complete at its last instant: an HPA scale-up or a Flux reconcile then is not
/// a failure, and a rollout someone else started (the Deployment runs another image) supersedes the deploy.
public enum RolloutAssessment {
    /// Assesses one deploy.
    /// - Parameters:
    ///   - deploy: The deploy being watched, with its stage timestamps.
    ///   - evidence: What the cluster showed at this poll (pods may be all pods of the workload).
    ///   - policy: Stability window and timeouts.
    ///   - now: The poll time.
    /// - Returns: Where the deploy stands.
    public static func assess(
        _ deploy: WatchedDeploy, evidence: ClusterEvidence, policy: RolloutPolicy, now: Date
    ) -> RolloutObservation {
        let kustomization = evidence.kustomization
        let attempted = FluxRevision.sameCommit(kustomization?.status?.lastAttemptedRevision, deploy.commit)
        let applied = FluxRevision.sameCommit(kustomization?.status?.lastAppliedRevision, deploy.commit)
        let ready = kustomization?.ready
        let runsImage = evidence.workload.map { runsExpectedImage($0.containers, deploy.expectedImage) } ?? false
        // Someone may push after us: Flux then applies a later revision that carries our change. With no git here
        // to check ancestry, "Ready at another revision and the Deployment runs our image" counts as applied.
        let carried = !applied && kustomization?.status?.lastAppliedRevision != nil && runsImage
        // A HelmRelease must have released the generation the commit applied before the rollout counts.
        let helm = evidence.helmRelease.map(HelmReleaseAssessment.assess)
        let helmReady = helm.map { $0 == .ready } ?? true
        let fluxReady = ready?.isTrue == true && (applied || carried) && helmReady
        let focused = focus(evidence, on: deploy)
        let timedOut = now.timeIntervalSince(deploy.startedAt) >= policy.rolloutTimeoutSeconds

        // Flux tried the pushed commit and failed. A failure at an older revision is not this deploy's.
        if let ready, ready.isFalse, attempted || applied {
            return .failed(FailureDiagnosis.diagnose(focused))
        }

        // helm-controller failed the generation the pushed commit applied (and perhaps rolled it back).
        if case .failed(let failure)? = helm, ready?.isTrue == true, applied || carried {
            return .failed(.helmRelease(failure))
        }

        // After our rollout completed, the Deployment runs another image: someone else rolled it out (a later
        // GitOps commit, `kubectl set image`). Theirs replaced ours; it is not a failure of this deploy.
        if deploy.rolledOutAt != nil, let workload = evidence.workload, !runsImage {
            return .superseded(by: foreignRollout(workload))
        }

        guard let workload = evidence.workload, runsImage else {
            if timedOut { return .failed(timeoutCause(focused, stage: fluxReady ? .rollout : .reconcile, policy)) }
            return fluxReady ? .applied : .waitingForFlux
        }

        if let rolledOutAt = deploy.rolledOutAt {
            // Stability window: any failure of a new pod since the rollout completed fails the deploy.
            if let cause = fatalPodFailure(focused) ?? restartSince(rolledOutAt, in: focused.pods) {
                return .failed(cause)
            }
            if case .failed = RolloutStatus.evaluate(workload) { return .failed(FailureDiagnosis.diagnose(focused)) }
            // Readiness lost for longer than the grace period fails; a shorter loss (a probe blip, pods a scale-up
            // just added) is waited out. "Complete right now" is not asked: replicas an HPA added, or Flux
            // reconciling, say nothing about the new version.
            let unready = notReady(focused.pods, since: rolledOutAt, now: now)
            if let worst = unready.max(by: { $0.seconds < $1.seconds }), worst.seconds > policy.readinessGraceSeconds {
                let cause = FailureDiagnosis.diagnose(focused)
                if case .unknown = cause {
                    return .failed(
                        .unknown(
                            message: "pod \(worst.pod) of the new version has been not ready for "
                                + "\(Int(worst.seconds)) s during the stability window (grace period "
                                + "\(Int(policy.readinessGraceSeconds)) s)"))
                }
                return .failed(cause)
            }
            guard now.timeIntervalSince(rolledOutAt) >= policy.stabilityWindowSeconds, unready.isEmpty else {
                return .rolledOut
            }
            return .stable
        }

        if let cause = fatalPodFailure(focused) { return .failed(cause) }
        switch RolloutStatus.evaluate(workload) {
        case .failed:
            return .failed(FailureDiagnosis.diagnose(focused))
        case .progressing(let updated, let ready, let desired, _):
            if timedOut { return .failed(timeoutCause(focused, stage: .rollout, policy)) }
            return .rollingOut(updated: updated, ready: ready, desired: desired)
        case .complete:
            // With no stability window there is nothing to wait for: succeed in this poll, not the next.
            if fluxReady { return policy.stabilityWindowSeconds > 0 ? .rolledOut : .stable }
            // Flux with `wait: true` records the revision only after its own health check passes.
            if timedOut { return .failed(timeoutCause(focused, stage: .healthCheck, policy)) }
            let counts = workload.podCounts
            return .rollingOut(updated: counts.updated, ready: counts.ready, desired: counts.updated)
        }
    }

    /// Which diagnosis-only evidence would sharpen this assessment and has not been collected yet.
    ///
    /// Asked after a first assessment on the cheap evidence (Flux object, Deployment, pods); an empty answer means
    /// fetch nothing more.
    public static func diagnosisNeeds(
        _ observation: RolloutObservation, deploy: WatchedDeploy, evidence: ClusterEvidence, policy: RolloutPolicy,
        now: Date
    ) -> ClusterEvidence.Detail {
        var needs: ClusterEvidence.Detail = []
        switch observation {
        case .failed(.missingSecret):
            needs.insert(.sealedSecrets)
        case .failed(.configMapKeyTypo):
            needs.insert(.configMaps)
        case .failed(.timeout), .failed(.unknown):
            needs.insert(.events)
        case .failed, .stable, .waitingForFlux, .superseded:
            break
        case .applied, .rollingOut, .rolledOut:
            // Pods stuck before their containers start (a Secret volume that does not exist, a node that will
            // not come) say why only in events.
            let pending = focus(evidence, on: deploy).pods.contains { pod in
                pod.status?.phase == "Pending"
                    || pod.allContainerStatuses.contains { $0.state?.waiting?.reason == "ContainerCreating" }
            }
            if pending, now.timeIntervalSince(deploy.startedAt) >= policy.stuckAfterSeconds { needs.insert(.events) }
        }
        return needs.subtracting(evidence.collected)
    }

    /// The pods of the Deployment's new ReplicaSet.
    ///
    /// The new ReplicaSet is the one whose revision annotation equals the Deployment's (when ReplicaSets were
    /// fetched); otherwise the pod-template-hash of the pods that run the expected image.
    /// - Returns: The new pods; empty when none exists yet.
    public static func newReplicaSetPods(
        deployment: K8s.Deployment?, replicaSets: [K8s.ReplicaSet], pods: [K8s.Pod], expectedImage: String
    ) -> [K8s.Pod] {
        var hashes = Set<String>()
        if let deployment, let revision = deployment.revision {
            for replicaSet in replicaSets where replicaSet.revision == revision && replicaSet.isOwned(by: deployment) {
                if let hash = replicaSet.podTemplateHash { hashes.insert(hash) }
            }
        }
        if hashes.isEmpty {
            for pod in pods
            where (pod.spec?.containers ?? []).contains(where: { imageMatches($0.image, expectedImage) }) {
                if let hash = pod.podTemplateHash { hashes.insert(hash) }
            }
        }
        guard !hashes.isEmpty else {
            // Pods without the label (hand-made test objects) still count when they run the image.
            return pods.filter { ($0.spec?.containers ?? []).contains { imageMatches($0.image, expectedImage) } }
        }
        return pods.filter { $0.podTemplateHash.map(hashes.contains) ?? false }
    }

    /// The pods of the workload's new version: for a Deployment those of its new ReplicaSet
    /// (`newReplicaSetPods`); for a StatefulSet those whose `controller-revision-hash` is its `updateRevision`; for a
    /// DaemonSet those sharing the `controller-revision-hash` of the pods that run the expected image.
    /// - Returns: The new pods; empty when none exists yet.
    public static func newPods(
        workload: K8s.Workload?, replicaSets: [K8s.ReplicaSet], pods: [K8s.Pod], expectedImage: String
    ) -> [K8s.Pod] {
        let runsImage: (K8s.Pod) -> Bool = { pod in
            (pod.spec?.containers ?? []).contains { imageMatches($0.image, expectedImage) }
        }
        let revisionOf: (K8s.Pod) -> String? = { $0.metadata.label(K8s.controllerRevisionHashLabel) }
        var revisions = Set<String>()
        switch workload {
        case .deployment(let deployment)?:
            return newReplicaSetPods(
                deployment: deployment, replicaSets: replicaSets, pods: pods, expectedImage: expectedImage)
        case nil:
            return newReplicaSetPods(
                deployment: nil, replicaSets: replicaSets, pods: pods, expectedImage: expectedImage)
        case .statefulSet(let statefulSet)?:
            if let update = statefulSet.status?.updateRevision { revisions.insert(update) }
        case .daemonSet:
            break
        }
        if revisions.isEmpty { revisions = Set(pods.filter(runsImage).compactMap(revisionOf)) }
        guard !revisions.isEmpty else { return pods.filter(runsImage) }
        return pods.filter { revisionOf($0).map(revisions.contains) ?? false }
    }

    /// Whether a container image reference is the expected one (the same, or the same pinned by digest).
    public static func imageMatches(_ image: String?, _ expected: String) -> Bool {
        guard let image else { return false }
        let (left, right) = (normalized(image), normalized(expected))
        return left == right || left.hasPrefix(right + "@")
    }

    // MARK: - Helpers

    private static func runsExpectedImage(_ containers: [K8s.Container], _ expected: String) -> Bool {
        containers.contains { imageMatches($0.image, expected) }
    }

    /// Docker Hub images may be written with or without `docker.io/library/`.
    private static func normalized(_ image: String) -> String {
        for prefix in ["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"]
        where image.hasPrefix(prefix) {
            return String(image.dropFirst(prefix.count))
        }
        return image
    }

    private static func focus(_ evidence: ClusterEvidence, on deploy: WatchedDeploy) -> ClusterEvidence {
        var focused = evidence
        focused.pods = newPods(
            workload: evidence.workload, replicaSets: evidence.replicaSets, pods: evidence.pods,
            expectedImage: deploy.expectedImage)
        return focused
    }

    /// A definite pod failure, except a missing Secret whose SealedSecret now reports Synced: the kubelet retries
    /// and the pod starts once the Secret exists.
    private static func fatalPodFailure(_ evidence: ClusterEvidence) -> FailureCause? {
        guard let cause = FailureDiagnosis.podFailure(in: evidence) else { return nil }
        if case .missingSecret(_, .synced) = cause, evidence.collected.contains(.sealedSecrets) { return nil }
        return cause
    }

    /// Pods that are not ready now, with how long (counted from `date` at the earliest): the Ready condition's last
    /// transition, or, for pods that report no Ready condition, their containers' `ready`. Pods being deleted and
    /// pods not yet scheduled are left out (a scale-down; the scheduler's verdict is judged elsewhere).
    private static func notReady(_ pods: [K8s.Pod], since date: Date, now: Date) -> [(pod: String, seconds: Double)] {
        var result: [(pod: String, seconds: Double)] = []
        for pod in pods where pod.metadata.deletionTimestamp == nil {
            let since: Date
            if let ready = pod.status?.conditions?[type: "Ready"] {
                guard !ready.isTrue else { continue }
                since = max(date, ready.lastTransitionTime.flatMap(K8s.Timestamp.parse) ?? date)
            } else if let statuses = pod.status?.containerStatuses, statuses.contains(where: { $0.ready == false }) {
                since = date
            } else {
                continue
            }
            result.append((pod.name, max(0, now.timeIntervalSince(since))))
        }
        return result
    }

    /// What replaced the deploy's rollout, for the deploy's note.
    private static func foreignRollout(_ workload: K8s.Workload) -> String {
        let images = workload.containers.compactMap(\.image)
        guard !images.isEmpty else { return "another rollout" }
        return "another rollout (the \(workload.kind) now runs \(images.joined(separator: ", ")))"
    }

    /// A container that terminated (and was restarted) after `date`.
    private static func restartSince(_ date: Date, in pods: [K8s.Pod]) -> FailureCause? {
        for pod in pods {
            for status in pod.allContainerStatuses {
                guard let terminated = status.lastState?.terminated ?? status.state?.terminated,
                    let finished = terminated.finishedAt.flatMap(K8s.Timestamp.parse), finished >= date
                else { continue }
                if terminated.reason == "OOMKilled" {
                    return .memoryLimit(
                        container: status.name, limit: pod.container(named: status.name)?.memoryLimit, pod: pod.name,
                        restarts: status.restartCount ?? 0)
                }
                if terminated.reason == "Completed" && terminated.exitCode == 0 && status.state?.running != nil {
                    continue
                }
                let times = (status.restartCount ?? 0) == 1 ? "once" : "\(status.restartCount ?? 0) times"
                let message =
                    terminated.message.map { FailureDiagnosis.clip($0) }
                    ?? "restarted \(times) during the stability window (last termination reason: \(terminated.reason ?? "unknown"))"
                return .crashLoop(container: status.name, exitCode: terminated.exitCode, message: message)
            }
        }
        return nil
    }

    private static func timeoutCause(_ evidence: ClusterEvidence, stage: FailureCause.Stage, _ policy: RolloutPolicy)
        -> FailureCause
    {
        let cause = FailureDiagnosis.diagnose(evidence)
        if case .unknown = cause { return .timeout(stage: stage, seconds: Int(policy.rolloutTimeoutSeconds)) }
        return cause
    }
}
