import DeployCore
import Testing

@Suite("RolloutStatus")
struct RolloutStatusTests {
    private func deployment(
        generation: Int = 2, observed: Int = 2, desired: Int? = 3, replicas: Int, updated: Int, available: Int,
        progressingReason: String = "ReplicaSetUpdated"
    ) throws -> K8s.Deployment {
        let spec = desired.map { #""replicas":\#($0),"# } ?? ""
        return try K8s.decode(
            K8s.Deployment.self,
            from: """
                {"metadata":{"name":"shop","generation":\(generation)},
                 "spec":{\(spec)"selector":{"matchLabels":{"app":"shop"}}},
                 "status":{"observedGeneration":\(observed),"replicas":\(replicas),"updatedReplicas":\(updated),
                   "readyReplicas":\(available),"availableReplicas":\(available),
                   "conditions":[{"type":"Progressing","status":"True","reason":"\(progressingReason)"}]}}
                """)
    }

    @Test func fixtures() throws {
        let complete = try K8s.decode(K8s.Deployment.self, from: KubernetesFixtures.deploymentComplete)
        #expect(RolloutStatus.evaluate(complete) == .complete)

        let progressing = try K8s.decode(K8s.Deployment.self, from: KubernetesFixtures.deploymentProgressing)
        #expect(
            RolloutStatus.evaluate(progressing)
                == .progressing(
                    updated: 1, ready: 3, desired: 3,
                    message:
                        "Waiting for deployment \"shop\" rollout to finish: 1 out of 3 new replicas have been updated..."
                ))

        let exceeded = try K8s.decode(K8s.Deployment.self, from: KubernetesFixtures.deploymentDeadlineExceeded)
        #expect(
            RolloutStatus.evaluate(exceeded) == .failed(reason: "deployment \"shop\" exceeded its progress deadline"))
    }

    /// The branches of kubectl's `DeploymentStatusViewer.Status`, in its order.
    @Test func kubectlTable() throws {
        // Spec change not yet observed wins over everything, even a deadline.
        let unobserved = try deployment(
            generation: 3, observed: 2, replicas: 3, updated: 3, available: 3,
            progressingReason: "ProgressDeadlineExceeded")
        #expect(
            RolloutStatus.evaluate(unobserved)
                == .progressing(
                    updated: 3, ready: 3, desired: 3, message: "Waiting for deployment spec update to be observed..."))

        let oldPending = try deployment(replicas: 4, updated: 3, available: 3)
        #expect(
            RolloutStatus.evaluate(oldPending)
                == .progressing(
                    updated: 3, ready: 3, desired: 3,
                    message:
                        "Waiting for deployment \"shop\" rollout to finish: 1 old replicas are pending termination..."))

        let unavailable = try deployment(replicas: 3, updated: 3, available: 2)
        #expect(
            RolloutStatus.evaluate(unavailable)
                == .progressing(
                    updated: 3, ready: 2, desired: 3,
                    message:
                        "Waiting for deployment \"shop\" rollout to finish: 2 of 3 updated replicas are available..."))

        #expect(RolloutStatus.evaluate(try deployment(replicas: 3, updated: 3, available: 3)) == .complete)
        // Without spec.replicas kubectl skips the updated-vs-desired check.
        #expect(
            RolloutStatus.evaluate(try deployment(desired: nil, replicas: 1, updated: 1, available: 1)) == .complete)
        // Scaled to zero.
        #expect(RolloutStatus.evaluate(try deployment(desired: 0, replicas: 0, updated: 0, available: 0)) == .complete)
    }
}
