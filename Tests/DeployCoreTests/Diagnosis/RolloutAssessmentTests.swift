import DeployCore
import Foundation
import Testing

@Suite("RolloutAssessment")
struct RolloutAssessmentTests {
    static let pushed = "5394cb7f48332b2de7c17dd8b8384bbc84b7e738"
    static let older = "1111111111111111111111111111111111111111"
    let start = Date(timeIntervalSince1970: 1_795_168_800)
    let policy = RolloutPolicy(stabilityWindowSeconds: 300, rolloutTimeoutSeconds: 900)

    private func deploy(rolledOutAt: Date? = nil) -> WatchedDeploy {
        WatchedDeploy(
            deployId: "d-1", commit: Self.pushed, branch: "main",
            expectedImage: "ghcr.io/nortinia-ltd/shop:main-5394cb7",
            startedAt: start, rolledOutAt: rolledOutAt)
    }

    private func kustomization(
        _ fixture: String = KubernetesFixtures.kustomizationReady, attempted: String? = nil, applied: String? = nil
    )
        throws -> K8s.Kustomization
    {
        var object = try K8s.decode(K8s.Kustomization.self, from: fixture)
        if let attempted { object.status?.lastAttemptedRevision = attempted }
        if let applied { object.status?.lastAppliedRevision = applied }
        return object
    }

    private func deployment(_ fixture: String, image: String? = nil) throws -> K8s.Deployment {
        var json = fixture
        if let image { json = json.replacingOccurrences(of: "ghcr.io/nortinia-ltd/shop:main-5394cb7", with: image) }
        return try K8s.decode(K8s.Deployment.self, from: json)
    }

    private func pods(_ fixture: String) throws -> [K8s.Pod] {
        try K8s.decode(K8s.List<K8s.Pod>.self, from: fixture).items
    }

    private func runningPod(name: String, image: String, hash: String, restarts: Int = 0, finishedAt: String? = nil)
        throws -> K8s.Pod
    {
        let lastState =
            finishedAt.map { #"{"terminated":{"reason":"Error","exitCode":2,"finishedAt":"\#($0)"}}"# } ?? "{}"
        return try K8s.decode(
            K8s.Pod.self,
            from: """
                {"metadata":{"name":"\(name)","labels":{"app":"shop","pod-template-hash":"\(hash)"}},
                 "spec":{"containers":[{"name":"shop","image":"\(image)"}]},
                 "status":{"phase":"Running","containerStatuses":[{"name":"shop","ready":true,"restartCount":\(restarts),
                   "state":{"running":{"startedAt":"2026-11-20T10:00:05Z"}},"lastState":\(lastState)}]}}
                """)
    }

    private func assess(_ evidence: ClusterEvidence, at seconds: Double, rolledOutAt: Date? = nil) -> RolloutObservation
    {
        RolloutAssessment.assess(
            deploy(rolledOutAt: rolledOutAt), evidence: evidence, policy: policy, now: start + seconds)
    }

    @Test func waitsWhileFluxIsAtAnOlderRevision() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(attempted: "main@sha1:\(Self.older)", applied: "main@sha1:\(Self.older)"),
            deployment: try deployment(
                KubernetesFixtures.deploymentComplete, image: "ghcr.io/nortinia-ltd/shop:main-1111111"))
        #expect(assess(evidence, at: 10) == .waitingForFlux)
        #expect(assess(evidence, at: 900) == .failed(.timeout(stage: .reconcile, seconds: 900)))
    }

    @Test func readyFalseAtAnOlderRevisionIsNotThisDeploysFailure() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(
                KubernetesFixtures.kustomizationBuildFailed, attempted: "main@sha1:\(Self.older)"))
        #expect(assess(evidence, at: 30) == .waitingForFlux)
    }

    @Test func readyFalseAtThePushedRevisionFails() throws {
        let evidence = ClusterEvidence(kustomization: try kustomization(KubernetesFixtures.kustomizationBuildFailed))
        let observation = assess(evidence, at: 30)
        guard case .failed(.invalidManifest(let message)) = observation else {
            Issue.record("got \(observation)")
            return
        }
        #expect(message.hasPrefix("kustomize build failed"))
    }

    @Test func legacyRevisionFormCounts() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(
                KubernetesFixtures.kustomizationBuildFailed, attempted: "main/\(Self.pushed)"))
        #expect(assess(evidence, at: 30).deployState == .failed)
    }

    @Test func appliedBeforeTheDeploymentChanges() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(),
            deployment: try deployment(
                KubernetesFixtures.deploymentComplete, image: "ghcr.io/nortinia-ltd/shop:main-1111111"))
        #expect(assess(evidence, at: 20) == .applied)
        #expect(assess(evidence, at: 20).deployState == .reconciling)
    }

    @Test func rollingOut() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing))
        let observation = assess(evidence, at: 40)
        #expect(observation == .rollingOut(updated: 1, ready: 3, desired: 3))
        #expect(observation.progress == "1/3 pods updated, 3 ready")
        #expect(assess(evidence, at: 900) == .failed(.timeout(stage: .rollout, seconds: 900)))
    }

    @Test func rolloutProgressIsVisibleBeforeFluxRecordsTheRevision() throws {
        // Flux with `wait: true` keeps lastAppliedRevision old, and Ready Unknown, until its health check passes.
        var waiting = try kustomization(applied: "main@sha1:\(Self.older)")
        waiting.status?.conditions = [
            K8s.Condition(
                type: "Ready", status: "Unknown", reason: "Progressing", message: "Reconciliation in progress")
        ]
        let evidence = ClusterEvidence(
            kustomization: waiting, deployment: try deployment(KubernetesFixtures.deploymentProgressing))
        #expect(assess(evidence, at: 40) == .rollingOut(updated: 1, ready: 3, desired: 3))
        let complete = ClusterEvidence(
            kustomization: waiting, deployment: try deployment(KubernetesFixtures.deploymentComplete))
        #expect(assess(complete, at: 60) == .rollingOut(updated: 3, ready: 3, desired: 3))
        #expect(assess(complete, at: 900) == .failed(.timeout(stage: .healthCheck, seconds: 900)))
    }

    @Test func aLaterRevisionCarryingTheImageCounts() throws {
        // Someone pushed an unrelated commit after ours; Flux went straight to it.
        let later = "2222222222222222222222222222222222222222"
        let evidence = ClusterEvidence(
            kustomization: try kustomization(attempted: "main@sha1:\(later)", applied: "main@sha1:\(later)"),
            deployment: try deployment(KubernetesFixtures.deploymentComplete))
        #expect(assess(evidence, at: 60) == .rolledOut)
        #expect(assess(evidence, at: 400, rolledOutAt: start + 60) == .stable)
        // A later revision that does not run our image (it changed the tag again) is not ours.
        let replaced = ClusterEvidence(
            kustomization: evidence.kustomization,
            deployment: try deployment(
                KubernetesFixtures.deploymentComplete, image: "ghcr.io/nortinia-ltd/shop:main-9999999"))
        #expect(assess(replaced, at: 60) == .waitingForFlux)
    }

    @Test func stabilityWindow() throws {
        let newPods = [
            try runningPod(
                name: "shop-7c9d8f6b5d-aaaaa", image: "ghcr.io/nortinia-ltd/shop:main-5394cb7", hash: "7c9d8f6b5d"),
            // An old pod that crashed after the rollout is not the new ReplicaSet's.
            try runningPod(
                name: "shop-5f5f5f5f5f-zzzzz", image: "ghcr.io/nortinia-ltd/shop:main-1111111", hash: "5f5f5f5f5f",
                restarts: 1, finishedAt: "2026-11-20T10:03:00Z"),
        ]
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentComplete),
            pods: newPods)
        #expect(assess(evidence, at: 60) == .rolledOut)
        let rolledOutAt = start + 60
        #expect(assess(evidence, at: 200, rolledOutAt: rolledOutAt) == .rolledOut)
        #expect(assess(evidence, at: 359, rolledOutAt: rolledOutAt) == .rolledOut)
        #expect(assess(evidence, at: 360, rolledOutAt: rolledOutAt) == .stable)
        #expect(assess(evidence, at: 360, rolledOutAt: rolledOutAt).deployState == .succeeded)
        // The rollout timeout no longer applies once rolled out.
        #expect(assess(evidence, at: 5000, rolledOutAt: rolledOutAt) == .stable)
    }

    @Test func newPodRestartingDuringTheWindowFails() throws {
        let rolledOutAt = start + 60  // 10:01:00
        let restartedBefore = try runningPod(
            name: "shop-7c9d8f6b5d-aaaaa", image: "ghcr.io/nortinia-ltd/shop:main-5394cb7", hash: "7c9d8f6b5d",
            restarts: 1, finishedAt: "2026-11-20T10:00:30Z")
        var evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentComplete),
            pods: [restartedBefore])
        #expect(assess(evidence, at: 120, rolledOutAt: rolledOutAt) == .rolledOut)

        evidence.pods = [
            try runningPod(
                name: "shop-7c9d8f6b5d-aaaaa", image: "ghcr.io/nortinia-ltd/shop:main-5394cb7", hash: "7c9d8f6b5d",
                restarts: 2, finishedAt: "2026-11-20T10:02:00Z")
        ]
        let observation = assess(evidence, at: 130, rolledOutAt: rolledOutAt)
        guard case .failed(.crashLoop(let container, let exitCode, _)) = observation else {
            Issue.record("got \(observation)")
            return
        }
        #expect(container == "shop")
        #expect(exitCode == 2)
    }

    @Test func newPodFailureFailsFastWhileRollingOut() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: try pods(KubernetesFixtures.podsOomkilled))
        #expect(
            assess(evidence, at: 45)
                == .failed(.memoryLimit(container: "shop", limit: "6Gi", pod: "shop-7c9d8f6b5d-x2k9q", restarts: 4)))
    }

    @Test func failingPodsOfTheOldReplicaSetAreIgnored() throws {
        let oldOOM = try pods(
            KubernetesFixtures.podsOomkilled.replacingOccurrences(of: "main-5394cb7", with: "main-1111111")
                .replacingOccurrences(of: "7c9d8f6b5d", with: "5f5f5f5f5f"))
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: oldOOM)
        #expect(assess(evidence, at: 45) == .rollingOut(updated: 1, ready: 3, desired: 3))
    }

    @Test func newReplicaSetByRevisionAnnotation() throws {
        let replicaSets = try K8s.decode(
            K8s.List<K8s.ReplicaSet>.self,
            from: """
                {"items":[
                 {"metadata":{"name":"shop-7c9d8f6b5d","labels":{"pod-template-hash":"7c9d8f6b5d"},
                   "annotations":{"deployment.kubernetes.io/revision":"12"},"ownerReferences":[{"kind":"Deployment","name":"shop"}]}},
                 {"metadata":{"name":"shop-5f5f5f5f5f","labels":{"pod-template-hash":"5f5f5f5f5f"},
                   "annotations":{"deployment.kubernetes.io/revision":"11"},"ownerReferences":[{"kind":"Deployment","name":"shop"}]}}]}
                """
        ).items
        let newPod = try runningPod(name: "shop-7c9d8f6b5d-a", image: "other:tag", hash: "7c9d8f6b5d")
        let oldPod = try runningPod(name: "shop-5f5f5f5f5f-b", image: "other:tag", hash: "5f5f5f5f5f")
        let selected = RolloutAssessment.newReplicaSetPods(
            deployment: try deployment(KubernetesFixtures.deploymentComplete), replicaSets: replicaSets,
            pods: [oldPod, newPod], expectedImage: "ghcr.io/nortinia-ltd/shop:main-5394cb7")
        #expect(selected.map(\.name) == ["shop-7c9d8f6b5d-a"])
    }

    @Test func healthCheckFailedAtThePushedRevisionIsDiagnosedFromPods() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(KubernetesFixtures.kustomizationHealthcheckFailed),
            deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: try pods(KubernetesFixtures.podsImagepull))
        #expect(assess(evidence, at: 300).deployState == .failed)
        if case .failed(let cause) = assess(evidence, at: 300) { #expect(cause.code == "image_pull") }
    }

    @Test func deadlineExceededFails() throws {
        let evidence = ClusterEvidence(
            kustomization: try kustomization(),
            deployment: try deployment(KubernetesFixtures.deploymentDeadlineExceeded))
        #expect(assess(evidence, at: 100) == .failed(.timeout(stage: .rollout, seconds: 600)))
    }

    @Test func missingSecretWhoseSealedSecretSyncedIsGivenTime() throws {
        let synced = try K8s.decode(
            K8s.SealedSecret.self,
            from:
                #"{"metadata":{"name":"shop-db-credentials"},"status":{"conditions":[{"type":"Synced","status":"True"}]}}"#
        )
        let evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: try pods(KubernetesFixtures.podsMissingSecret), sealedSecrets: [synced])
        #expect(assess(evidence, at: 45) == .rollingOut(updated: 1, ready: 3, desired: 3))
        // Without having looked at SealedSecrets the pod error is a failure to explain.
        var unchecked = evidence
        unchecked.sealedSecrets = []
        unchecked.collected = []
        #expect(
            assess(unchecked, at: 45) == .failed(.missingSecret(name: "shop-db-credentials", sealedSecret: .absent)))
    }

    @Test func diagnosisNeeds() throws {
        var evidence = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: try pods(KubernetesFixtures.podsMissingSecret), collected: [])
        let failed = assess(evidence, at: 45)
        #expect(
            RolloutAssessment.diagnosisNeeds(
                failed, deploy: deploy(), evidence: evidence, policy: policy, now: start + 45)
                == .sealedSecrets)
        evidence.collected = .sealedSecrets
        #expect(
            RolloutAssessment.diagnosisNeeds(
                failed, deploy: deploy(), evidence: evidence, policy: policy, now: start + 45)
                == [])

        // A pending pod with no explanation: fetch events once it has been stuck a while.
        var pending = try pods(KubernetesFixtures.podsUnschedulable)
        pending[0].status?.conditions = nil
        let stuck = ClusterEvidence(
            kustomization: try kustomization(), deployment: try deployment(KubernetesFixtures.deploymentProgressing),
            pods: pending, collected: [])
        let observation = assess(stuck, at: 30)
        #expect(observation == .rollingOut(updated: 1, ready: 3, desired: 3))
        #expect(
            RolloutAssessment.diagnosisNeeds(
                observation, deploy: deploy(), evidence: stuck, policy: policy, now: start + 30)
                == [])
        #expect(
            RolloutAssessment.diagnosisNeeds(
                observation, deploy: deploy(), evidence: stuck, policy: policy, now: start + 60)
                == .events)
    }

    @Test func imagesMatchWithDigestAndDockerHubForms() {
        #expect(RolloutAssessment.imageMatches("ghcr.io/a/b:1@sha256:abc", "ghcr.io/a/b:1"))
        #expect(RolloutAssessment.imageMatches("docker.io/library/nginx:1.27", "nginx:1.27"))
        #expect(!RolloutAssessment.imageMatches("ghcr.io/a/b:10", "ghcr.io/a/b:1"))
    }
}
