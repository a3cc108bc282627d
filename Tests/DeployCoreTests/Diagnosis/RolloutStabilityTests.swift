import DeployCore
import Foundation
import Testing

/// The stability window judges the new ReplicaSet's pods, not whether the Deployment is complete at one instant.
@Suite("RolloutAssessment: stability window")
struct RolloutStabilityTests {
    static let pushed = "5394cb7f48332b2de7c17dd8b8384bbc84b7e738"
    static let image = "ghcr.io/nortinia-ltd/shop:main-5394cb7"
    static let hash = "7c9d8f6b5d"
    /// 2026-11-20T10:00:00Z.
    let start = Date(timeIntervalSince1970: 1_795_168_800)
    /// The default readiness grace period (60 s) applies.
    let policy = RolloutPolicy(stabilityWindowSeconds: 300, rolloutTimeoutSeconds: 900)
    var rolledOutAt: Date { start + 60 }
    var windowEnd: Double { 60 + 300 }

    private func deploy() -> WatchedDeploy {
        WatchedDeploy(
            deployId: "d-1", commit: Self.pushed, branch: "main", expectedImage: Self.image, startedAt: start,
            rolledOutAt: rolledOutAt)
    }

    private func assess(_ evidence: ClusterEvidence, at seconds: Double) -> RolloutObservation {
        RolloutAssessment.assess(deploy(), evidence: evidence, policy: policy, now: start + seconds)
    }

    private func kustomization(ready: String = "True") throws -> K8s.Kustomization {
        var object = try K8s.decode(K8s.Kustomization.self, from: KubernetesFixtures.kustomizationReady)
        object.status?.lastAppliedRevision = "main@sha1:\(Self.pushed)"
        object.status?.lastAttemptedRevision = "main@sha1:\(Self.pushed)"
        if ready != "True" {
            object.status?.conditions = [
                K8s.Condition(
                    type: "Ready", status: ready, reason: "Progressing", message: "Reconciliation in progress")
            ]
        }
        return object
    }

    /// The complete Deployment fixture, optionally scaled (`replicas`) with only `updated` replicas there so far.
    private func deployment(image: String = image, replicas: Int = 3, updated: Int = 3, ready: Int = 3) throws
        -> K8s.Deployment
    {
        var object = try K8s.decode(
            K8s.Deployment.self,
            from: KubernetesFixtures.deploymentComplete.replacingOccurrences(of: Self.image, with: image))
        object.spec?.replicas = replicas
        object.status?.replicas = updated
        object.status?.updatedReplicas = updated
        object.status?.readyReplicas = ready
        object.status?.availableReplicas = ready
        return object
    }

    /// A pod of the new ReplicaSet; `readySince`/`notReadySince` set its Ready condition's last transition.
    private func pod(_ suffix: String, ready: Bool = true, since: Date? = nil) throws -> K8s.Pod {
        let transition = K8s.Timestamp.format(since ?? start + 50)
        return try K8s.decode(
            K8s.Pod.self,
            from: """
                {"metadata":{"name":"shop-\(Self.hash)-\(suffix)","labels":{"app":"shop","pod-template-hash":"\(Self.hash)"}},
                 "spec":{"containers":[{"name":"shop","image":"\(Self.image)"}]},
                 "status":{"phase":"Running",
                   "conditions":[{"type":"Ready","status":"\(ready ? "True" : "False")","lastTransitionTime":"\(transition)"}],
                   "containerStatuses":[{"name":"shop","ready":\(ready),"restartCount":0,
                   "state":{"running":{"startedAt":"2026-11-20T10:00:05Z"}},"lastState":{}}]}}
                """)
    }

    @Test("an HPA scale-up at the end of the window is not a failure")
    func scaleUpAtTheEndOfTheWindow() throws {
        // The HPA raised replicas from 3 to 5 just before the window ended: 2 new pods of our ReplicaSet are starting.
        let scaling = ClusterEvidence(
            kustomization: try kustomization(),
            deployment: try deployment(replicas: 5, updated: 5, ready: 3),
            pods: [
                try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc"),
                try pod("ddddd", ready: false, since: start + windowEnd - 5),
                try pod("eeeee", ready: false, since: start + windowEnd - 5),
            ])
        let atEnd = assess(scaling, at: windowEnd)
        #expect(atEnd.deployState != .failed, "got \(atEnd)")
        // The new pods become ready: the deploy succeeds.
        var scaled = scaling
        scaled.deployment = try deployment(replicas: 5, updated: 5, ready: 5)
        scaled.pods = [
            try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc"), try pod("ddddd", since: start + windowEnd + 10),
            try pod("eeeee", since: start + windowEnd + 10),
        ]
        #expect(assess(scaled, at: windowEnd + 15) == .stable)
        // A scale-up the Deployment has not caught up with (spec 5, 3 updated) is not a failure either.
        let pending = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(replicas: 5, updated: 3, ready: 3),
            pods: [try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc")])
        #expect(assess(pending, at: windowEnd) == .stable)
    }

    @Test("Flux reconciling at the end of the window is not a failure")
    func reconcileAtTheEndOfTheWindow() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(ready: "Unknown"), deployment: try deployment(),
            pods: [try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc")])
        #expect(assess(evidence, at: windowEnd - 1) == .rolledOut)
        #expect(assess(evidence, at: windowEnd) == .stable)
    }

    @Test("a new pod not ready for longer than the grace period fails the deploy; a blip does not")
    func readinessLost() throws {
        let lostAt = start + 120
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(ready: 2),
            pods: [try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc", ready: false, since: lostAt)])
        // Within the grace period: still watching, also at the end of the window.
        #expect(assess(evidence, at: 120 + 59) == .rolledOut)
        // Longer than the grace period: failed, naming the pod.
        let observation = assess(evidence, at: 120 + 61)
        guard case .failed(let cause) = observation else {
            Issue.record("got \(observation)")
            return
        }
        #expect(cause.summary.contains("shop-\(Self.hash)-ccccc"), "\(cause.summary)")
        #expect(cause.summary.contains("not ready"), "\(cause.summary)")
        // A pod that lost readiness just before the window ended gets its grace period before success.
        let late = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(ready: 2),
            pods: [try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc", ready: false, since: start + windowEnd - 10)])
        #expect(assess(late, at: windowEnd) == .rolledOut)
        #expect(assess(late, at: windowEnd + 51).deployState == .failed)
    }

    @Test("a rollout started by someone else during the window supersedes the deploy; it is not a failure")
    func foreignRollout() throws {
        // Someone ran `kubectl set image` (or pushed another tag): a newer ReplicaSet runs an image that is not ours.
        let other = "ghcr.io/nortinia-ltd/shop:hotfix-1"
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(image: other, updated: 1, ready: 3),
            pods: [try pod("aaaaa"), try pod("bbbbb"), try pod("ccccc")])
        let observation = assess(evidence, at: 200)
        #expect(observation.deployState == .superseded, "got \(observation)")
        #expect(assess(evidence, at: windowEnd + 600).deployState == .superseded)
    }
}
