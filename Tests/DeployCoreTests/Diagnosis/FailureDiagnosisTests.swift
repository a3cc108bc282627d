import DeployCore
import Foundation
import Testing

@Suite("FailureDiagnosis")
struct FailureDiagnosisTests {
    private func pods(_ json: String) throws -> [K8s.Pod] { try K8s.decode(K8s.List<K8s.Pod>.self, from: json).items }

    private func podJSON(waiting reason: String, message: String, name: String = "shop-7c9d8f6b5d-a1b2c") -> String {
        """
        {"items":[{"metadata":{"name":"\(name)","labels":{"app":"shop","pod-template-hash":"7c9d8f6b5d"}},
         "spec":{"containers":[{"name":"shop","image":"ghcr.io/nortinia-ltd/shop:main-5394cb7"}]},
         "status":{"phase":"Pending","containerStatuses":[{"name":"shop","ready":false,"restartCount":0,
           "state":{"waiting":{"reason":"\(reason)","message":\(jsonString(message))}},"lastState":{}}]}}]}
        """
    }

    private func jsonString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    @Test func oomKilledNamesContainerLimitPodAndRestarts() throws {
        let evidence = ClusterEvidence(pods: try pods(KubernetesFixtures.podsOomkilled))
        let cause = FailureDiagnosis.diagnose(evidence)
        #expect(cause == .memoryLimit(container: "shop", limit: "6Gi", pod: "shop-7c9d8f6b5d-x2k9q", restarts: 4))
        #expect(cause.title == "Container ran out of memory")
        #expect(
            cause.summary
                == "Container \"shop\" in pod shop-7c9d8f6b5d-x2k9q was OOMKilled: it used more than its 6Gi memory limit. It has restarted 4 times."
        )
        #expect(cause.runbook == "memory-limits.md")
        #expect(cause.code == "memory_limit")
    }

    @Test func unschedulableForMemoryFromPodCondition() throws {
        let evidence = ClusterEvidence(pods: try pods(KubernetesFixtures.podsUnschedulable))
        let cause = FailureDiagnosis.diagnose(evidence)
        #expect(
            cause
                == .memoryRequestTooLarge(
                    container: "shop", request: "6Gi",
                    message:
                        "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
                ))
        #expect(cause.summary.hasPrefix("No node can run the new pods: container \"shop\" requests 6Gi of memory"))
        #expect(
            cause.runbookURL(baseURL: "https://git.example/runbooks/")
                == "https://git.example/runbooks/memory-limits.md#memory-request-too-large")
    }

    @Test func unschedulableForMemoryFromEventOnly() throws {
        // The pod has no PodScheduled condition yet; the FailedScheduling event tells.
        var list = try pods(KubernetesFixtures.podsUnschedulable)
        list[0].status?.conditions = nil
        let events = try K8s.decode(K8s.List<K8s.Event>.self, from: KubernetesFixtures.eventsFailedscheduling).items
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: list, events: events))
        guard case .memoryRequestTooLarge(let container, let request, let message) = cause else {
            Issue.record("got \(cause)")
            return
        }
        #expect(container == "shop")
        #expect(request == "6Gi")
        #expect(message.hasPrefix("0/3 nodes are available: 3 Insufficient memory."))
    }

    @Test func olderSchedulerWording() throws {
        let old = "No nodes are available that match all of the following predicates:: Insufficient memory (3)."
        var list = try pods(KubernetesFixtures.podsUnschedulable)
        list[0].status?.conditions = [
            K8s.Condition(type: "PodScheduled", status: "False", reason: "Unschedulable", message: old)
        ]
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: list))
        #expect(cause == .memoryRequestTooLarge(container: "shop", request: "6Gi", message: old))
    }

    @Test func eventsOfOtherWorkloadsAreIgnored() throws {
        let events = try K8s.decode(K8s.List<K8s.Event>.self, from: KubernetesFixtures.eventsFailedscheduling).items
        let other = try pods(podJSON(waiting: "ContainerCreating", message: "", name: "billing-5d6f7-abcde"))
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: other, events: events))
        #expect(cause.code == "unknown")
    }

    @Test func missingSecretWithSealedSecretNotSynced() throws {
        let sealed = try K8s.decode(K8s.SealedSecret.self, from: KubernetesFixtures.sealedsecretNotSynced)
        let evidence = ClusterEvidence(pods: try pods(KubernetesFixtures.podsMissingSecret), sealedSecrets: [sealed])
        let cause = FailureDiagnosis.diagnose(evidence)
        #expect(
            cause
                == .missingSecret(
                    name: "shop-db-credentials",
                    sealedSecret: .notSynced(message: "no key could decrypt secret (password)")))
        #expect(cause.title == "SealedSecret could not be unsealed")
        #expect(
            cause.summary
                == "Secret \"shop-db-credentials\" does not exist because its SealedSecret could not be unsealed: no key could decrypt secret (password)."
        )
        #expect(cause.runbook == "missing-sealed-secret.md")
    }

    @Test func missingSecretWithoutSealedSecret() throws {
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: try pods(KubernetesFixtures.podsMissingSecret)))
        #expect(cause == .missingSecret(name: "shop-db-credentials", sealedSecret: .absent))
        #expect(cause.title == "Secret not found")
    }

    @Test func missingSecretVolumeFromFailedMountEvent() throws {
        let pending = try pods(podJSON(waiting: "ContainerCreating", message: ""))
        let event = try K8s.decode(
            K8s.Event.self,
            from: """
                {"involvedObject":{"kind":"Pod","namespace":"shop","name":"shop-7c9d8f6b5d-a1b2c"},"reason":"FailedMount",
                 "type":"Warning","count":7,
                 "message":"MountVolume.SetUp failed for volume \\"creds\\" : secret \\"db-creds\\" not found"}
                """)
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: pending, events: [event]))
        #expect(cause == .missingSecret(name: "db-creds", sealedSecret: .absent))
    }

    @Test func configMapKeyTypoSuggestsNearestKey() throws {
        let configMap = try K8s.decode(K8s.ConfigMap.self, from: KubernetesFixtures.configmapShopConfig)
        #expect(configMap.keys == ["DATABASE_URL", "FEATURE_FLAGS", "LOG_LEVEL"])
        let evidence = ClusterEvidence(pods: try pods(KubernetesFixtures.podsConfigmapKey), configMaps: [configMap])
        let cause = FailureDiagnosis.diagnose(evidence)
        #expect(cause == .configMapKeyTypo(key: "DATABSE_URL", configMap: "shop-config", closestKeys: ["DATABASE_URL"]))
        #expect(cause.title == "ConfigMap key not found")
        #expect(
            cause.summary
                == "The pod reads key DATABSE_URL from ConfigMap \"shop-config\", which has no such key. Did you mean DATABASE_URL?"
        )
        #expect(cause.runbook == "configmap-typo.md")
    }

    @Test func configMapValuesAreNeverKept() throws {
        let configMap = try K8s.decode(K8s.ConfigMap.self, from: KubernetesFixtures.configmapShopConfig)
        #expect(!String(describing: configMap).contains("postgres://"))
    }

    @Test func missingConfigMapFromContainerAndFromVolume() throws {
        let container = try pods(
            podJSON(waiting: "CreateContainerConfigError", message: "configmap \"app-config\" not found"))
        #expect(FailureDiagnosis.diagnose(ClusterEvidence(pods: container)) == .missingConfigMap(name: "app-config"))

        let pending = try pods(podJSON(waiting: "ContainerCreating", message: ""))
        let event = try K8s.decode(
            K8s.Event.self,
            from: """
                {"involvedObject":{"kind":"Pod","name":"shop-7c9d8f6b5d-a1b2c"},"reason":"FailedMount","type":"Warning",
                 "message":"MountVolume.SetUp failed for volume \\"config\\" : configmap \\"app-config\\" not found"}
                """)
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: pending, events: [event]))
        #expect(cause == .missingConfigMap(name: "app-config"))
        #expect(
            cause.runbookURL(baseURL: "https://h/runbooks") == "https://h/runbooks/configmap-typo.md#missing-configmap")
    }

    @Test func imagePull() throws {
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: try pods(KubernetesFixtures.podsImagepull)))
        #expect(
            cause
                == .imagePull(
                    image: "ghcr.io/nortinia-ltd/shop:main-doesnotexist",
                    message: "Back-off pulling image \"ghcr.io/nortinia-ltd/shop:main-doesnotexist\""))
        #expect(cause.title == "Image could not be pulled")
        #expect(cause.runbook == "image-pull.md")
    }

    @Test(arguments: ["ErrImagePull", "InvalidImageName"])
    func otherImagePullReasons(reason: String) throws {
        let list = try pods(podJSON(waiting: reason, message: "failed to pull"))
        #expect(FailureDiagnosis.diagnose(ClusterEvidence(pods: list)).code == "image_pull")
    }

    @Test func crashLoopWithoutOOM() throws {
        var list = try pods(KubernetesFixtures.podsOomkilled)
        let terminated = try K8s.decode(
            K8s.ContainerStatus.Terminated.self,
            from: #"{"reason":"Error","exitCode":1,"message":"panic: DATABASE_URL is empty\n"}"#)
        list[0].status?.containerStatuses?[0].lastState?.terminated = terminated
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(pods: list))
        #expect(cause == .crashLoop(container: "shop", exitCode: 1, message: "panic: DATABASE_URL is empty"))
        #expect(cause.summary == "Container \"shop\" keeps exiting with exit code 1: panic: DATABASE_URL is empty")
        #expect(cause.runbook == "crash-loop.md")
    }

    @Test func buildFailedIsInvalidManifestAndWinsOverPods() throws {
        let kustomization = try K8s.decode(K8s.Kustomization.self, from: KubernetesFixtures.kustomizationBuildFailed)
        let evidence = ClusterEvidence(kustomization: kustomization, pods: try pods(KubernetesFixtures.podsOomkilled))
        let cause = FailureDiagnosis.diagnose(evidence)
        #expect(
            cause
                == .invalidManifest(
                    message:
                        "kustomize build failed: accumulating resources: accumulation err='accumulating resources from 'deployment.yaml': missing metadata.name in object {{apps/v1 Deployment} {{ } map[] map[]}}'"
                ))
        #expect(cause.runbook == "invalid-manifest.md")
    }

    @Test func reconciliationFailedValidationIsInvalidManifest() throws {
        var kustomization = try K8s.decode(K8s.Kustomization.self, from: KubernetesFixtures.kustomizationBuildFailed)
        kustomization.status?.conditions = [
            K8s.Condition(
                type: "Ready", status: "False", reason: "ReconciliationFailed",
                message:
                    "Deployment/shop/shop dry-run failed (Invalid): Deployment.apps \"shop\" is invalid: spec.template.spec.containers[0].image: Required value"
            )
        ]
        #expect(FailureDiagnosis.diagnose(ClusterEvidence(kustomization: kustomization)).code == "invalid_manifest")
    }

    @Test func healthCheckFailedLooksAtTheWorkloadFirst() throws {
        let kustomization = try K8s.decode(
            K8s.Kustomization.self, from: KubernetesFixtures.kustomizationHealthcheckFailed)
        let withPods = ClusterEvidence(kustomization: kustomization, pods: try pods(KubernetesFixtures.podsImagepull))
        #expect(FailureDiagnosis.diagnose(withPods).code == "image_pull")

        let alone = FailureDiagnosis.diagnose(ClusterEvidence(kustomization: kustomization))
        #expect(alone == .timeout(stage: .healthCheck, seconds: 300))
        #expect(alone.summary == "Flux's health check gave up after 5 minutes: the workload did not become ready.")
        #expect(alone.runbook == "rollout-timeout.md")
    }

    @Test func progressDeadlineExceededIsRolloutTimeout() throws {
        let deployment = try K8s.decode(K8s.Deployment.self, from: KubernetesFixtures.deploymentDeadlineExceeded)
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(deployment: deployment))
        #expect(cause == .timeout(stage: .rollout, seconds: 600))
        #expect(cause.summary == "The rollout did not complete within 10 minutes.")
    }

    @Test func priorityOOMOverImagePullOverCrashLoop() throws {
        let oom = try pods(KubernetesFixtures.podsOomkilled)
        let pull = try pods(KubernetesFixtures.podsImagepull)
        let secret = try pods(KubernetesFixtures.podsMissingSecret)
        #expect(FailureDiagnosis.diagnose(ClusterEvidence(pods: pull + oom)).code == "memory_limit")
        #expect(FailureDiagnosis.diagnose(ClusterEvidence(pods: pull + secret)).code == "missing_secret")
    }

    @Test func unknownCarriesTheReadyMessage() throws {
        var kustomization = try K8s.decode(K8s.Kustomization.self, from: KubernetesFixtures.kustomizationReady)
        kustomization.status?.conditions = [
            K8s.Condition(
                type: "Ready", status: "False", reason: "DependencyNotReady",
                message: "dependency 'flux-system/infra' is not ready")
        ]
        let cause = FailureDiagnosis.diagnose(ClusterEvidence(kustomization: kustomization))
        #expect(cause == .unknown(message: "dependency 'flux-system/infra' is not ready"))
        #expect(
            cause.summary
                == "Slipway could not name the cause. Last status: dependency 'flux-system/infra' is not ready")
    }

    @Test func secretKeyTypoIsReportedVerbatim() throws {
        let list = try pods(
            podJSON(
                waiting: "CreateContainerConfigError", message: "couldn't find key password in Secret shop/db-creds"))
        #expect(
            FailureDiagnosis.diagnose(ClusterEvidence(pods: list))
                == .unknown(message: "CreateContainerConfigError: couldn't find key password in Secret shop/db-creds"))
    }

    @Test func failureCauseRoundTripsThroughCodable() throws {
        let causes: [FailureCause] = [
            .memoryLimit(container: "shop", limit: nil, pod: "p", restarts: 1),
            .missingSecret(name: "s", sealedSecret: .notSynced(message: "m")),
            .timeout(stage: .healthCheck, seconds: 300),
        ]
        let data = try JSONEncoder().encode(causes)
        #expect(try JSONDecoder().decode([FailureCause].self, from: data) == causes)
    }

    @Test func recordCarriesCodeTitleSummaryAndRunbook() {
        let record = FailureCause.missingConfigMap(name: "app-config").record
        #expect(record.cause == "missing_configmap")
        #expect(record.title == "ConfigMap not found")
        #expect(record.runbook == "configmap-typo.md")
    }
}
