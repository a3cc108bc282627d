import DeployCore
import Foundation

/// The StatefulSet and DaemonSet controllers of the fake cluster, in their documented shapes: a StatefulSet replaces
/// its pods `<name>-<ordinal>` from the highest ordinal down and reports `updatedReplicas`, `readyReplicas`,
/// `currentRevision` and `updateRevision` (`<name>-<hash>`, also each pod's `controller-revision-hash` label); a
/// DaemonSet runs one pod per node and reports `desiredNumberScheduled`, `updatedNumberScheduled`,
/// `numberAvailable` and `numberReady`. Both set `observedGeneration` as soon as they see a new template. One step
/// per read of the object, complete after the cluster's `rolloutSteps`, or failing as scripted (the new pods carry
/// the failure, the rollout stops there).
struct FakeWorkloadController {
    /// A rollout in progress (or done) of one StatefulSet or DaemonSet.
    struct Rollout {
        var outcome: FakeKubernetes.Outcome
        var step = 0
        var newHash: String
        var newImage: String
        var complete = false
    }

    /// `"<plural>/<namespace>/<name>"` → rollout.
    private var rollouts: [String: Rollout] = [:]
    private var podCounter = 0

    /// The served plurals this controller owns.
    static let plurals: Set<String> = ["statefulsets", "daemonsets"]

    /// Adds a StatefulSet whose pods all run `image`, ready.
    mutating func addStatefulSet(
        namespace: String, name: String, image: String, replicas: Int, labels: [String: String],
        objects: inout KubernetesObjects
    ) {
        let hash = FakeRolloutController.templateHash(image)
        let revision = "\(name)-\(hash)"
        let object: [String: Any] = [
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": ["name": name, "namespace": namespace, "generation": 1, "uid": UUID().uuidString.lowercased()],
            "spec": [
                "replicas": replicas, "serviceName": name, "selector": ["matchLabels": labels],
                "podManagementPolicy": "OrderedReady",
                "updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]],
                "template": [
                    "metadata": ["labels": labels], "spec": ["containers": [["name": name, "image": image]]],
                ],
            ],
            "status": Self.statefulSetStatus(
                generation: 1, replicas: replicas, ready: replicas, updated: replicas, current: revision,
                update: revision),
        ]
        objects.store("statefulsets", namespace, name, object)
        for ordinal in 0..<replicas {
            storePod(
                owner: object, kind: "StatefulSet", name: "\(name)-\(ordinal)", revisionLabel: revision, image: image,
                failure: nil, extraLabels: ["statefulset.kubernetes.io/pod-name": "\(name)-\(ordinal)"],
                objects: &objects)
        }
    }

    /// Adds a DaemonSet running on `nodes` nodes, one ready pod of `image` each.
    mutating func addDaemonSet(
        namespace: String, name: String, image: String, nodes: Int, labels: [String: String],
        objects: inout KubernetesObjects
    ) {
        let hash = FakeRolloutController.templateHash(image)
        let object: [String: Any] = [
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": ["name": name, "namespace": namespace, "generation": 1, "uid": UUID().uuidString.lowercased()],
            "spec": [
                "selector": ["matchLabels": labels],
                "updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]],
                "template": [
                    "metadata": ["labels": labels], "spec": ["containers": [["name": name, "image": image]]],
                ],
            ],
            "status": Self.daemonSetStatus(generation: 1, desired: nodes, updated: nodes, available: nodes),
        ]
        objects.store("daemonsets", namespace, name, object)
        for _ in 0..<nodes {
            storePod(
                owner: object, kind: "DaemonSet", name: nil, revisionLabel: hash, image: image, failure: nil,
                extraLabels: ["pod-template-generation": "1"], objects: &objects)
        }
    }

    /// Starts rolling a StatefulSet or DaemonSet out to `image` (nothing when it runs it already or does not exist).
    mutating func startRollout(
        plural: String, namespace: String, name: String, image: String, outcome: FakeKubernetes.Outcome,
        objects: inout KubernetesObjects
    ) {
        guard Self.plurals.contains(plural), var object = objects[plural: plural, namespace: namespace, name: name],
            Self.image(of: object) != image
        else { return }
        let generation = (KubernetesObjects.value(object, path: ["metadata", "generation"]) as? Int ?? 1) + 1
        KubernetesObjects.setValue(&object, path: ["metadata", "generation"], generation)
        var containers =
            KubernetesObjects.value(object, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]] ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        KubernetesObjects.setValue(&object, path: ["spec", "template", "spec", "containers"], containers)
        let hash = FakeRolloutController.templateHash(image)
        var status = object["status"] as? [String: Any] ?? [:]
        status["observedGeneration"] = generation
        if plural == "statefulsets" {
            status["updateRevision"] = "\(name)-\(hash)"
            status["updatedReplicas"] = 0
        } else {
            status["updatedNumberScheduled"] = 0
        }
        object["status"] = status
        objects.bumpVersion(&object)
        objects[plural: plural, namespace: namespace, name: name] = object
        rollouts["\(plural)/\(namespace)/\(name)"] = Rollout(outcome: outcome, newHash: hash, newImage: image)
    }

    /// One step of the rollout, taken each time the object is read.
    mutating func advanceRollout(
        plural: String, namespace: String, name: String, steps: Int, objects: inout KubernetesObjects
    ) {
        let id = "\(plural)/\(namespace)/\(name)"
        guard var rollout = rollouts[id], !rollout.complete,
            let object = objects[plural: plural, namespace: namespace, name: name]
        else { return }
        rollout.step += 1
        defer { rollouts[id] = rollout }
        let pods = podNames(plural: plural, object: object, objects: objects)
        let total = pods.count
        var failure: FakeKubernetes.Failure?
        let wanted: Int
        switch rollout.outcome {
        case .succeed:
            wanted = rollout.step >= steps ? total : max(1, min(total - 1, total * rollout.step / steps))
        case .hold:
            wanted = max(0, min(total - 1, total * rollout.step / steps))
        case .fail(let scripted):
            failure = scripted
            wanted = min(1, total)
        }
        // Replace old pods (a StatefulSet from its highest ordinal down) until `wanted` run the new revision.
        let revisionLabel = plural == "statefulsets" ? "\(name)-\(rollout.newHash)" : rollout.newHash
        var updated = pods.filter {
            Self.revision(of: objects[plural: "pods", namespace: namespace, name: $0]) == revisionLabel
        }.count
        for pod in pods.reversed() where updated < wanted {
            guard Self.revision(of: objects[plural: "pods", namespace: namespace, name: pod]) != revisionLabel else {
                continue
            }
            objects[plural: "pods", namespace: namespace, name: pod] = nil
            let isStatefulSet = plural == "statefulsets"
            storePod(
                owner: object, kind: isStatefulSet ? "StatefulSet" : "DaemonSet", name: isStatefulSet ? pod : nil,
                revisionLabel: revisionLabel, image: rollout.newImage, failure: failure,
                extraLabels: isStatefulSet
                    ? ["statefulset.kubernetes.io/pod-name": pod]
                    : [
                        "pod-template-generation":
                            "\(KubernetesObjects.value(object, path: ["metadata", "generation"]) as? Int ?? 1)"
                    ],
                objects: &objects)
            updated += 1
        }
        let failing = failure == nil ? 0 : updated
        let generation = KubernetesObjects.value(object, path: ["metadata", "generation"]) as? Int ?? 1
        var status: [String: Any]
        if plural == "statefulsets" {
            let done = updated >= total && failing == 0
            let current = done ? revisionLabel : (KubernetesObjects.string(object, "status", "currentRevision") ?? "")
            status = Self.statefulSetStatus(
                generation: generation, replicas: total, ready: total - failing, updated: updated, current: current,
                update: revisionLabel)
            rollout.complete = done
        } else {
            status = Self.daemonSetStatus(
                generation: generation, desired: total, updated: updated, available: total - failing)
            rollout.complete = updated >= total && failing == 0
        }
        var changed = object
        changed["status"] = status
        objects.bumpVersion(&changed)
        objects[plural: plural, namespace: namespace, name: name] = changed
    }

    // MARK: - Helpers

    static func statefulSetStatus(
        generation: Int, replicas: Int, ready: Int, updated: Int, current: String, update: String
    ) -> [String: Any] {
        [
            "observedGeneration": generation, "replicas": replicas, "readyReplicas": ready,
            "availableReplicas": ready, "currentReplicas": current == update ? replicas : replicas - updated,
            "updatedReplicas": updated, "currentRevision": current, "updateRevision": update, "collisionCount": 0,
        ]
    }

    static func daemonSetStatus(generation: Int, desired: Int, updated: Int, available: Int) -> [String: Any] {
        [
            "observedGeneration": generation, "desiredNumberScheduled": desired, "currentNumberScheduled": desired,
            "updatedNumberScheduled": updated, "numberAvailable": available, "numberReady": available,
            "numberMisscheduled": 0, "numberUnavailable": max(0, desired - available),
        ]
    }

    static func image(of object: [String: Any]) -> String? {
        (KubernetesObjects.value(object, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?
            .first?["image"] as? String
    }

    private static func revision(of pod: [String: Any]?) -> String? {
        pod.flatMap { KubernetesObjects.string($0, "metadata", "labels", K8s.controllerRevisionHashLabel) }
    }

    /// The workload's pods: a StatefulSet's by ordinal, a DaemonSet's by owner name.
    private func podNames(plural: String, object: [String: Any], objects: KubernetesObjects) -> [String] {
        let name = KubernetesObjects.string(object, "metadata", "name") ?? ""
        let namespace = KubernetesObjects.string(object, "metadata", "namespace") ?? ""
        if plural == "statefulsets" {
            let replicas = KubernetesObjects.value(object, path: ["spec", "replicas"]) as? Int ?? 1
            return (0..<replicas).map { "\(name)-\($0)" }
        }
        return objects.names("pods", namespace: namespace, prefix: "\(name)-").filter { pod in
            let owners = KubernetesObjects.value(
                objects[plural: "pods", namespace: namespace, name: pod] ?? [:], path: ["metadata", "ownerReferences"])
            return (owners as? [[String: Any]])?.contains { $0["kind"] as? String == "DaemonSet" } ?? false
        }
    }

    private mutating func storePod(
        owner: [String: Any], kind: String, name: String?, revisionLabel: String, image: String,
        failure: FakeKubernetes.Failure?, extraLabels: [String: String], objects: inout KubernetesObjects
    ) {
        guard let namespace = KubernetesObjects.string(owner, "metadata", "namespace"),
            let ownerName = KubernetesObjects.string(owner, "metadata", "name")
        else { return }
        podCounter += 1
        let podName = name ?? "\(ownerName)-\(String(podCounter, radix: 36))x\(String(revisionLabel.prefix(4)))"
        var labels =
            KubernetesObjects.value(owner, path: ["spec", "template", "metadata", "labels"]) as? [String: String] ?? [:]
        labels[K8s.controllerRevisionHashLabel] = revisionLabel
        for (key, value) in extraLabels { labels[key] = value }
        var containers =
            KubernetesObjects.value(owner, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]] ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        var pod: [String: Any] = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": podName, "namespace": namespace, "labels": labels,
                "ownerReferences": [
                    [
                        "apiVersion": "apps/v1", "kind": kind, "name": ownerName, "controller": true,
                        "uid": KubernetesObjects.string(owner, "metadata", "uid") ?? "",
                    ]
                ],
            ],
            "spec": ["containers": containers],
            "status": [:] as [String: Any],
        ]
        pod = FakeRolloutController.runningPod(pod)
        if let failure { FakeRolloutController.apply(failure, to: &pod, finishedAt: K8s.Timestamp.format(Date())) }
        objects.store("pods", namespace, podName, pod)
    }
}
