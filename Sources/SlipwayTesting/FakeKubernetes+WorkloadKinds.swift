import Foundation

extension FakeKubernetes {
    /// Adds a StatefulSet whose rollout is complete: `replicas` ready pods `<name>-0…`, labelled with the revision
    /// (`controller-revision-hash: <name>-<hash>`). A linked Kustomization rolls it out like a Deployment when its
    /// pods run the linked image; `script(namespace:deployment:outcome:)` scripts it by name.
    public func addStatefulSet(
        namespace: String, name: String, image: String, replicas: Int = 3, labels: [String: String]? = nil
    ) {
        cluster.withLock { cluster in
            cluster.controller.workloadKinds.addStatefulSet(
                namespace: namespace, name: name, image: image, replicas: replicas, labels: labels ?? ["app": name],
                objects: &cluster.objects)
        }
    }

    /// Adds a DaemonSet running on `nodes` nodes, rolled out; rolled out by Flux like `addStatefulSet`'s.
    public func addDaemonSet(
        namespace: String, name: String, image: String, nodes: Int = 3, labels: [String: String]? = nil
    ) {
        cluster.withLock { cluster in
            cluster.controller.workloadKinds.addDaemonSet(
                namespace: namespace, name: name, image: image, nodes: nodes, labels: labels ?? ["app": name],
                objects: &cluster.objects)
        }
    }

    /// Starts rolling a StatefulSet or DaemonSet (`plural`: `statefulsets`, `daemonsets`) out to `image` now, per
    /// its scripted outcome.
    public func rollOut(plural: String, namespace: String, name: String, image: String) {
        cluster.withLock { cluster in
            let outcome = cluster.controller.outcome(namespace: namespace, deployment: name)
            cluster.controller.workloadKinds.startRollout(
                plural: plural, namespace: namespace, name: name, image: image, outcome: outcome,
                objects: &cluster.objects)
        }
    }
}
