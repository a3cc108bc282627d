import DeployCore
import Foundation
import SlipwayApp
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// An environment whose service runs as a Deployment, a StatefulSet and a DaemonSet built from one image: the deploy
/// waits for all three, and a failing pod of any of them fails it with that pod named.
@Suite("Workload kinds: a deploy rolls out a Deployment, a StatefulSet and a DaemonSet", .serialized, .harnessScope)
struct WorkloadKindsFlowTests {
    /// shop staging with three workloads in `shop-staging`.
    static func harness() throws -> SlipwayHarness {
        let h = try SlipwayHarness(adjust: { json in
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                staging["workload"] = nil
                staging["workloads"] = [
                    ["namespace": "shop-staging", "name": "shop"],
                    ["namespace": "shop-staging", "kind": "StatefulSet", "name": "shop-worker"],
                    ["namespace": "shop-staging", "kind": "DaemonSet", "name": "shop-agent"],
                ]
            }
        })
        let image = "\(GitFixture.image("shop")):\(GitFixture.initialTag)"
        h.kubernetes.addStatefulSet(namespace: "shop-staging", name: "shop-worker", image: image, replicas: 3)
        h.kubernetes.addDaemonSet(namespace: "shop-staging", name: "shop-agent", image: image, nodes: 2)
        return h
    }

    @Test("green only after the Deployment, the StatefulSet and the DaemonSet all rolled out")
    func allThreeRollOut() async throws {
        let h = try Self.harness()
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-5e75e75")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let done = try #require(try h.deploy(deploy.id))
        #expect(done.state == .succeeded, "\(done.failure?.summary ?? "")")

        let statefulSet = try #require(
            h.kubernetes.object(K8s.StatefulSet.self, "statefulsets", namespace: "shop-staging", name: "shop-worker"))
        #expect(statefulSet.status?.updateRevision == statefulSet.status?.currentRevision)
        #expect(statefulSet.status?.updatedReplicas == 3)
        let daemonSet = try #require(
            h.kubernetes.object(K8s.DaemonSet.self, "daemonsets", namespace: "shop-staging", name: "shop-agent"))
        #expect(daemonSet.status?.updatedNumberScheduled == 2)
        #expect(daemonSet.status?.numberAvailable == 2)
        // The rollout (verifying) began only once the StatefulSet and the DaemonSet had completed: the watch read
        // them at every poll until then.
        let reads = h.kubernetes.requests().filter { $0.method == "GET" }.map(\.path)
        #expect(reads.contains("/apis/apps/v1/namespaces/shop-staging/statefulsets"))
        #expect(reads.contains("/apis/apps/v1/namespaces/shop-staging/daemonsets"))
        let rolledOut = try #require(done.rolledOutAt)
        #expect(rolledOut >= done.committedAt ?? .distantPast)
    }

    @Test("a crashing pod of the StatefulSet fails the deploy and names that pod; the Deployment was fine")
    func statefulSetFailure() async throws {
        let h = try Self.harness()
        h.kubernetes.script(
            namespace: "shop-staging", deployment: "shop-worker",
            outcome: .fail(.crashLoop(exitCode: 4, message: "fatal: cannot open journal")))
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-bad0bad")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let done = try #require(try h.deploy(deploy.id))
        #expect(done.state == .failed)
        #expect(done.failure?.cause == "crash_loop")
        #expect(done.failure?.summary.contains("fatal: cannot open journal") == true, "\(done.failure?.summary ?? "")")
        #expect(done.failure?.summary.contains("exit code 4") == true, "\(done.failure?.summary ?? "")")
    }

    @Test("slipway rbac grants list on StatefulSets and DaemonSets exactly where an environment runs them")
    func rbac() throws {
        let h = try Self.harness()
        let manifest = try RBACManifest(config: h.config)
        #expect(
            manifest.allows(
                .init(namespace: "shop-staging", apiGroup: "apps", resource: "statefulsets", verb: "list")))
        #expect(
            manifest.allows(.init(namespace: "shop-staging", apiGroup: "apps", resource: "daemonsets", verb: "list")))
        #expect(!manifest.allows(.init(namespace: "shop", apiGroup: "apps", resource: "statefulsets", verb: "list")))
        #expect(manifest.allows(.init(namespace: "shop", apiGroup: "apps", resource: "deployments", verb: "list")))
    }
}
