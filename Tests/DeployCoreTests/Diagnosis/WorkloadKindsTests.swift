import DeployCore
import Foundation
import Testing

/// StatefulSets and DaemonSets are judged as `kubectl rollout status` judges them, their new pods are found by
/// `controller-revision-hash`, and a deploy with several workloads is green only when all are.
@Suite("Workload kinds: StatefulSet and DaemonSet rollouts, several workloads per deploy")
struct WorkloadKindsTests {
    static func statefulSet(
        generation: Int = 2, observed: Int = 2, replicas: Int = 3, ready: Int = 3, updated: Int = 3,
        current: String = "db-7d9f", update: String = "db-7d9f", partition: Int? = nil, image: String = "db:2"
    ) throws -> K8s.StatefulSet {
        let strategy =
            partition.map { #","updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":\#($0)}}"# } ?? ""
        return try K8s.decode(
            K8s.StatefulSet.self,
            from: #"""
                {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","namespace":"shop","generation":\#(generation)},
                 "spec":{"replicas":\#(replicas),"selector":{"matchLabels":{"app":"db"}},
                         "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"\#(image)"}]}}\#(strategy)},
                 "status":{"observedGeneration":\#(observed),"replicas":\#(replicas),"readyReplicas":\#(ready),
                           "updatedReplicas":\#(updated),"currentRevision":"\#(current)","updateRevision":"\#(update)"}}
                """#)
    }

    static func daemonSet(
        generation: Int = 4, observed: Int = 4, desired: Int = 5, updated: Int = 5, available: Int = 5
    )
        throws -> K8s.DaemonSet
    {
        try K8s.decode(
            K8s.DaemonSet.self,
            from: #"""
                {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"shop","generation":\#(generation)},
                 "spec":{"selector":{"matchLabels":{"app":"agent"}},
                         "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}},
                 "status":{"observedGeneration":\#(observed),"desiredNumberScheduled":\#(desired),"currentNumberScheduled":\#(desired),
                           "updatedNumberScheduled":\#(updated),"numberAvailable":\#(available),"numberReady":\#(available)}}
                """#)
    }

    static func pod(_ name: String, revision: String, image: String, crashing: Bool = false) throws -> K8s.Pod {
        let state =
            crashing
            ? #""state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}},"lastState":{"terminated":{"reason":"Error","exitCode":2,"finishedAt":"2026-11-20T10:00:00Z"}},"restartCount":4,"ready":false"#
            : #""state":{"running":{"startedAt":"2026-11-20T10:00:00Z"}},"ready":true,"restartCount":0"#
        return try K8s.decode(
            K8s.Pod.self,
            from: #"""
                {"metadata":{"name":"\#(name)","namespace":"shop","labels":{"app":"db","controller-revision-hash":"\#(revision)"}},
                 "spec":{"containers":[{"name":"db","image":"\#(image)"}]},
                 "status":{"phase":"Running","containerStatuses":[{"name":"db","image":"\#(image)",\#(state)}]}}
                """#)
    }

    @Test("a StatefulSet is complete only when observed, all ready and updated (or the partition reached)")
    func statefulSetStatus() throws {
        #expect(RolloutStatus.evaluate(try Self.statefulSet()) == .complete)
        guard case .progressing(_, _, _, let unobserved) = RolloutStatus.evaluate(try Self.statefulSet(observed: 1))
        else { Issue.record("an unobserved spec is not complete"); return }
        #expect(unobserved == "Waiting for statefulset spec update to be observed...")
        #expect(
            RolloutStatus.evaluate(try Self.statefulSet(ready: 2))
                == .progressing(
                    updated: 3, ready: 2, desired: 3, message: #"Waiting for 1 pods of statefulset "db" to be ready..."#
                ))
        // Mid-update: one pod at the new revision, the others still at the old one.
        #expect(
            RolloutStatus.evaluate(try Self.statefulSet(updated: 1, current: "db-5c4b", update: "db-7d9f"))
                == .progressing(
                    updated: 1, ready: 3, desired: 3,
                    message: "waiting for statefulset rolling update to complete 1 pods at revision db-7d9f..."))
        // The controller moves currentRevision once every pod is updated; updatedReplicas alone already says so.
        #expect(RolloutStatus.evaluate(try Self.statefulSet(current: "db-5c4b", update: "db-7d9f")) == .complete)
        #expect(RolloutStatus.evaluate(try Self.statefulSet(updated: 1, current: "db-5c4b", partition: 2)) == .complete)
        #expect(
            RolloutStatus.evaluate(try Self.statefulSet(updated: 0, current: "db-5c4b", partition: 2))
                == .progressing(
                    updated: 0, ready: 3, desired: 1,
                    message: "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated..."))
    }

    @Test("a DaemonSet is complete when observed and every scheduled node runs an updated, available pod")
    func daemonSetStatus() throws {
        #expect(RolloutStatus.evaluate(try Self.daemonSet()) == .complete)
        #expect(
            RolloutStatus.evaluate(try Self.daemonSet(observed: 3))
                == .progressing(
                    updated: 5, ready: 5, desired: 5, message: "Waiting for daemon set spec update to be observed..."))
        #expect(
            RolloutStatus.evaluate(try Self.daemonSet(updated: 2))
                == .progressing(
                    updated: 2, ready: 5, desired: 5,
                    message:
                        #"Waiting for daemon set "agent" rollout to finish: 2 out of 5 new pods have been updated..."#
                ))
        #expect(
            RolloutStatus.evaluate(try Self.daemonSet(available: 4))
                == .progressing(
                    updated: 5, ready: 4, desired: 5,
                    message: #"Waiting for daemon set "agent" rollout to finish: 4 of 5 updated pods are available..."#)
        )
    }

    @Test("a StatefulSet's new pods are those at its updateRevision; a crashing one fails the deploy, an old one not")
    func statefulSetDiagnosisLooksAtItsNewPods() throws {
        let statefulSet = try Self.statefulSet(ready: 2, updated: 1, current: "db-5c4b", update: "db-7d9f")
        let pods = [
            try Self.pod("db-0", revision: "db-5c4b", image: "db:1", crashing: true),
            try Self.pod("db-1", revision: "db-5c4b", image: "db:1"),
            try Self.pod("db-2", revision: "db-7d9f", image: "db:2"),
        ]
        let fresh = RolloutAssessment.newPods(
            workload: .statefulSet(statefulSet), replicaSets: [], pods: pods, expectedImage: "db:2")
        #expect(fresh.map(\.name) == ["db-2"])
        let deploy = WatchedDeploy(
            deployId: "d-1", commit: "abc", branch: "main", expectedImage: "db:2", startedAt: Date())
        let kustomization = try K8s.decode(
            K8s.Kustomization.self,
            from:
                #"{"metadata":{"name":"shop"},"status":{"lastAppliedRevision":"main@sha1:abc","lastAttemptedRevision":"main@sha1:abc","conditions":[{"type":"Ready","status":"True","reason":"ReconciliationSucceeded"}]}}"#
        )
        let calm = RolloutAssessment.assess(
            deploy,
            evidence: ClusterEvidence(kustomization: kustomization, pods: pods, workload: .statefulSet(statefulSet)),
            policy: RolloutPolicy(), now: Date())
        #expect(calm == .rollingOut(updated: 1, ready: 2, desired: 3), "the old pod's crash is not this deploy's")
        var crashing = pods
        crashing[2] = try Self.pod("db-2", revision: "db-7d9f", image: "db:2", crashing: true)
        let failed = RolloutAssessment.assess(
            deploy,
            evidence: ClusterEvidence(
                kustomization: kustomization, pods: crashing, workload: .statefulSet(statefulSet)),
            policy: RolloutPolicy(), now: Date())
        guard case .failed(.crashLoop(let container, let exitCode, _)) = failed else {
            Issue.record("expected a crash loop, got \(failed)")
            return
        }
        #expect(container == "db")
        #expect(exitCode == 2)
    }

    @Test("several workloads: the first failure fails, otherwise the least advanced one decides; progress adds up")
    func combine() {
        #expect(RolloutAssessment.combine([.stable, .stable]) == .stable)
        #expect(RolloutAssessment.combine([.stable, .rolledOut]) == .rolledOut)
        #expect(RolloutAssessment.combine([.rolledOut, .applied]) == .applied)
        #expect(
            RolloutAssessment.combine([
                .rollingOut(updated: 1, ready: 2, desired: 3), .rolledOut,
                .rollingOut(updated: 0, ready: 5, desired: 5),
            ])
                == .rollingOut(updated: 1, ready: 7, desired: 8))
        #expect(
            RolloutAssessment.combine([.stable, .failed(.imagePull(image: "x", message: "m"))])
                == .failed(.imagePull(image: "x", message: "m")))
        #expect(
            RolloutAssessment.combine([.rolledOut, .superseded(by: "another rollout")])
                == .superseded(by: "another rollout"))
        #expect(RolloutAssessment.combine([.waitingForFlux]) == .waitingForFlux)
    }
}
