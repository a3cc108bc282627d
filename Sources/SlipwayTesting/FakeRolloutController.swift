import DeployCore
import Foundation

/// The Deployment controller of the fake cluster: rolls a Deployment out to a new image one step per read of the
/// Deployment (complete after `rolloutSteps`), holds it, or fails it in a scripted way with the exact status strings
/// the real components write; creates the ReplicaSets, pods and events that go with it.
struct FakeRolloutController {
    /// A rollout in progress (or done) of one Deployment.
    struct Rollout {
        var outcome: FakeKubernetes.Outcome
        var step = 0
        var newHash: String
        var newImage: String
        var oldHash: String?
        var complete = false
    }

    /// Reads of a Deployment it takes a rollout to complete (or to exceed its deadline).
    let rolloutSteps: Int
    private var outcomes: [String: FakeKubernetes.Outcome] = [:]  // "<namespace>/<deployment>"
    private var rollouts: [String: Rollout] = [:]
    private var nameCounter = 0
    private var lastPodName = ""
    /// The StatefulSet and DaemonSet controllers.
    var workloadKinds = FakeWorkloadController()

    init(rolloutSteps: Int) { self.rolloutSteps = max(1, rolloutSteps) }

    /// What the Deployment's next rollout does (default `.succeed`).
    func outcome(namespace: String, deployment: String) -> FakeKubernetes.Outcome {
        outcomes["\(namespace)/\(deployment)"] ?? .succeed
    }

    mutating func script(namespace: String, deployment: String, outcome: FakeKubernetes.Outcome) {
        outcomes["\(namespace)/\(deployment)"] = outcome
    }

    /// Adds a Deployment whose rollout is complete, with its ReplicaSet and running pods.
    mutating func addDeployment(
        namespace: String, name: String, image: String, replicas: Int, labels: [String: String],
        memoryLimit: String?, objects: inout KubernetesObjects
    ) {
        var container: [String: Any] = ["name": name, "image": image]
        if let memoryLimit {
            container["resources"] = [
                "requests": ["memory": memoryLimit, "cpu": "100m"], "limits": ["memory": memoryLimit],
            ]
        }
        let hash = Self.templateHash(image)
        let deployment: [String: Any] = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": name, "namespace": namespace, "generation": 1, "uid": UUID().uuidString.lowercased(),
                "annotations": ["deployment.kubernetes.io/revision": "1"],
            ],
            "spec": [
                "replicas": replicas, "progressDeadlineSeconds": 600, "selector": ["matchLabels": labels],
                "template": ["metadata": ["labels": labels], "spec": ["containers": [container]]],
            ],
            "status": Self.deploymentStatus(
                generation: 1, desired: replicas, replicas: replicas, updated: replicas, available: replicas),
        ]
        objects.store("deployments", namespace, name, deployment)
        Self.createReplicaSet(deployment: deployment, hash: hash, revision: 1, objects: &objects)
        for _ in 0..<replicas {
            createPod(deployment: deployment, hash: hash, image: image, failure: nil, objects: &objects)
        }
    }

    /// Completes the Deployment's current rollout now: all new pods ready, old ones gone.
    mutating func completeRollout(namespace: String, deployment: String, objects: inout KubernetesObjects) {
        guard var rollout = rollouts["\(namespace)/\(deployment)"] else { return }
        finish(namespace: namespace, deployment: deployment, rollout: &rollout, objects: &objects)
        rollouts["\(namespace)/\(deployment)"] = rollout
    }

    /// Scales the Deployment as an HPA does: `spec.replicas` changes, the Deployment controller adds pods of the
    /// current ReplicaSet (running, not ready yet) or removes some, and the status counts them.
    mutating func scale(namespace: String, deployment name: String, replicas: Int, objects: inout KubernetesObjects) {
        guard var deployment = objects[plural: "deployments", namespace: namespace, name: name] else { return }
        let generation = (KubernetesObjects.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1) + 1
        KubernetesObjects.setValue(&deployment, path: ["metadata", "generation"], generation)
        KubernetesObjects.setValue(&deployment, path: ["spec", "replicas"], replicas)
        objects.bumpVersion(&deployment)
        objects[plural: "deployments", namespace: namespace, name: name] = deployment
        let image =
            (KubernetesObjects.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?
            .first?["image"] as? String ?? ""
        let hash = Self.templateHash(image)
        var pods = objects.names("pods", namespace: namespace, prefix: "\(name)-\(hash)-")
        while pods.count > replicas, let last = pods.popLast() {
            objects[plural: "pods", namespace: namespace, name: last] = nil
        }
        var ready = pods.count
        while pods.count < replicas {
            createPod(deployment: deployment, hash: hash, image: image, failure: nil, objects: &objects)
            if var pod = objects[plural: "pods", namespace: namespace, name: lastPodName] {
                Self.setReady(false, pod: &pod)
                objects[plural: "pods", namespace: namespace, name: lastPodName] = pod
            }
            pods.append(lastPodName)
        }
        ready = min(ready, replicas)
        Self.setDeploymentStatus(
            namespace: namespace, name: name,
            Self.deploymentStatus(
                generation: generation, desired: replicas, replicas: replicas, updated: replicas, available: ready),
            objects: &objects)
    }

    /// Makes every pod of the Deployment's current ReplicaSet ready, and the status say so.
    static func readyPods(namespace: String, deployment name: String, objects: inout KubernetesObjects) {
        guard let deployment = objects[plural: "deployments", namespace: namespace, name: name] else { return }
        let image =
            (KubernetesObjects.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?
            .first?["image"] as? String ?? ""
        let pods = objects.names("pods", namespace: namespace, prefix: "\(name)-\(templateHash(image))-")
        for podName in pods {
            guard var pod = objects[plural: "pods", namespace: namespace, name: podName] else { continue }
            setReady(true, pod: &pod)
            objects.bumpVersion(&pod)
            objects[plural: "pods", namespace: namespace, name: podName] = pod
        }
        let generation = KubernetesObjects.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1
        setDeploymentStatus(
            namespace: namespace, name: name,
            deploymentStatus(
                generation: generation, desired: pods.count, replicas: pods.count, updated: pods.count,
                available: pods.count), objects: &objects)
    }

    /// Sets a running pod's Ready condition (now) and its containers' `ready`.
    static func setReady(_ ready: Bool, pod: inout [String: Any]) {
        var status = pod["status"] as? [String: Any] ?? [:]
        status["conditions"] = [
            ["type": "PodScheduled", "status": "True"],
            [
                "type": "Ready", "status": ready ? "True" : "False",
                "lastTransitionTime": K8s.Timestamp.format(Date()),
            ],
        ]
        if var statuses = status["containerStatuses"] as? [[String: Any]] {
            for index in statuses.indices { statuses[index]["ready"] = ready }
            status["containerStatuses"] = statuses
        }
        pod["status"] = status
    }

    /// Makes the Deployment's current pods fail now.
    static func failPods(
        namespace: String, deployment: String, with failure: FakeKubernetes.Failure, at date: Date,
        objects: inout KubernetesObjects
    ) {
        for name in objects.names("pods", namespace: namespace, prefix: "\(deployment)-") {
            guard var pod = objects[plural: "pods", namespace: namespace, name: name] else { continue }
            apply(failure, to: &pod, finishedAt: K8s.Timestamp.format(date))
            objects.bumpVersion(&pod)
            objects[plural: "pods", namespace: namespace, name: name] = pod
        }
    }

    mutating func startRollout(
        namespace: String, deployment name: String, image: String, outcome: FakeKubernetes.Outcome,
        objects: inout KubernetesObjects
    ) {
        guard var deployment = objects[plural: "deployments", namespace: namespace, name: name] else { return }
        let current =
            (KubernetesObjects.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?
            .first?[
                "image"] as? String
        guard current != image else { return }
        let generation = (KubernetesObjects.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1) + 1
        let revision =
            Int(
                KubernetesObjects.string(deployment, "metadata", "annotations", "deployment.kubernetes.io/revision")
                    ?? "1") ?? 1
        KubernetesObjects.setValue(&deployment, path: ["metadata", "generation"], generation)
        KubernetesObjects.setValue(
            &deployment, path: ["metadata", "annotations", "deployment.kubernetes.io/revision"], String(revision + 1))
        var containers =
            KubernetesObjects.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]]
            ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        if case .fail(.oomKilled) = outcome, !containers.isEmpty, containers[0]["resources"] == nil {
            containers[0]["resources"] = ["requests": ["memory": "256Mi"], "limits": ["memory": "256Mi"]]
        }
        if case .fail(.unschedulable) = outcome, !containers.isEmpty {
            containers[0]["resources"] = ["requests": ["memory": "64Gi", "cpu": "250m"], "limits": ["memory": "64Gi"]]
        }
        KubernetesObjects.setValue(&deployment, path: ["spec", "template", "spec", "containers"], containers)
        let desired = KubernetesObjects.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        deployment["status"] = Self.deploymentStatus(
            generation: generation, desired: desired, replicas: desired + 1, updated: 1, available: desired,
            progressing: (
                "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)-\(Self.templateHash(image))\" is progressing."
            ))
        objects.bumpVersion(&deployment)
        objects[plural: "deployments", namespace: namespace, name: name] = deployment

        let hash = Self.templateHash(image)
        let oldHash = current.map(Self.templateHash)
        Self.createReplicaSet(deployment: deployment, hash: hash, revision: revision + 1, objects: &objects)
        let failure: FakeKubernetes.Failure? = if case .fail(let failure) = outcome { failure } else { nil }
        createPod(deployment: deployment, hash: hash, image: image, failure: failure, objects: &objects)
        if case .fail(.unschedulable) = outcome {
            createEvent(
                namespace: namespace, podName: lastPodName, reason: "FailedScheduling",
                message:
                    "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
                objects: &objects)
        }
        if case .fail(.missingSecretVolume(let secret)) = outcome {
            createEvent(
                namespace: namespace, podName: lastPodName, reason: "FailedMount",
                message: "MountVolume.SetUp failed for volume \"creds\" : secret \"\(secret)\" not found",
                objects: &objects)
        }
        if case .fail(.missingSecret(let secret, let state)) = outcome {
            Self.storeSealedSecret(namespace: namespace, name: secret, state: state, objects: &objects)
        }
        if case .fail(.configMapKeyTypo(_, let configMap, let keys)) = outcome,
            objects[plural: "configmaps", namespace: namespace, name: configMap] == nil
        {
            objects.store(
                "configmaps", namespace, configMap,
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": configMap, "namespace": namespace],
                    "data": Dictionary(uniqueKeysWithValues: keys.map { ($0, "value-of-\($0.lowercased())") }),
                ])
        }
        rollouts["\(namespace)/\(name)"] = Rollout(outcome: outcome, newHash: hash, newImage: image, oldHash: oldHash)
    }

    /// One step of the rollout, taken each time the Deployment is read.
    mutating func advanceRollout(namespace: String, deployment name: String, objects: inout KubernetesObjects) {
        let id = "\(namespace)/\(name)"
        guard var rollout = rollouts[id], !rollout.complete,
            let deployment = objects[plural: "deployments", namespace: namespace, name: name]
        else {
            return
        }
        rollout.step += 1
        defer { rollouts[id] = rollout }
        let desired = KubernetesObjects.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        let generation = KubernetesObjects.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1
        switch rollout.outcome {
        case .succeed where rollout.step >= rolloutSteps:
            finish(namespace: namespace, deployment: name, rollout: &rollout, objects: &objects)
        case .succeed, .hold:
            let updated = max(1, min(desired - 1, desired * rollout.step / rolloutSteps))
            let newPods = objects.names("pods", namespace: namespace, prefix: "\(name)-\(rollout.newHash)-").count
            if newPods < updated {
                createPod(
                    deployment: deployment, hash: rollout.newHash, image: rollout.newImage, failure: nil,
                    objects: &objects)
            }
            Self.setDeploymentStatus(
                namespace: namespace, name: name,
                Self.deploymentStatus(
                    generation: generation, desired: desired, replicas: desired + 1, updated: updated,
                    available: desired,
                    progressing: (
                        "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)-\(rollout.newHash)\" is progressing."
                    )), objects: &objects)
        case .fail(.progressDeadlineExceeded) where rollout.step >= rolloutSteps:
            Self.setDeploymentStatus(
                namespace: namespace, name: name,
                Self.deploymentStatus(
                    generation: generation, desired: desired, replicas: desired + 1, updated: 1, available: desired,
                    progressing: (
                        "False", "ProgressDeadlineExceeded",
                        "ReplicaSet \"\(name)-\(rollout.newHash)\" has timed out progressing."
                    )), objects: &objects)
        case .fail:
            break
        }
    }

    mutating func finish(
        namespace: String, deployment name: String, rollout: inout Rollout, objects: inout KubernetesObjects
    ) {
        guard let deployment = objects[plural: "deployments", namespace: namespace, name: name] else { return }
        let desired = KubernetesObjects.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        let generation = KubernetesObjects.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1
        if let oldHash = rollout.oldHash, oldHash != rollout.newHash {
            for pod in objects.names("pods", namespace: namespace, prefix: "\(name)-\(oldHash)-") {
                objects[plural: "pods", namespace: namespace, name: pod] = nil
            }
        }
        for pod in objects.names("pods", namespace: namespace, prefix: "\(name)-\(rollout.newHash)-") {
            objects[plural: "pods", namespace: namespace, name: pod] = Self.runningPod(
                objects[plural: "pods", namespace: namespace, name: pod]!)
        }
        var newPods = objects.names("pods", namespace: namespace, prefix: "\(name)-\(rollout.newHash)-").count
        while newPods < desired {
            createPod(
                deployment: deployment, hash: rollout.newHash, image: rollout.newImage, failure: nil,
                objects: &objects)
            newPods += 1
        }
        Self.setDeploymentStatus(
            namespace: namespace, name: name,
            Self.deploymentStatus(
                generation: generation, desired: desired, replicas: desired, updated: desired, available: desired,
                progressing: (
                    "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"\(name)-\(rollout.newHash)\" has successfully progressed."
                )), objects: &objects)
        rollout.complete = true
    }

    static func setDeploymentStatus(
        namespace: String, name: String, _ status: [String: Any], objects: inout KubernetesObjects
    ) {
        guard var deployment = objects[plural: "deployments", namespace: namespace, name: name] else { return }
        deployment["status"] = status
        objects.bumpVersion(&deployment)
        objects[plural: "deployments", namespace: namespace, name: name] = deployment
    }

    static func deploymentStatus(
        generation: Int, desired: Int, replicas: Int, updated: Int, available: Int,
        progressing: (String, String, String) = (
            "True", "NewReplicaSetAvailable", "ReplicaSet has successfully progressed."
        )
    ) -> [String: Any] {
        [
            "observedGeneration": generation, "replicas": replicas, "updatedReplicas": updated,
            "readyReplicas": available, "availableReplicas": available,
            "unavailableReplicas": max(0, replicas - available),
            "conditions": [
                [
                    "type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                ],
                ["type": "Progressing", "status": progressing.0, "reason": progressing.1, "message": progressing.2],
            ],
        ]
    }

    static func createReplicaSet(
        deployment: [String: Any], hash: String, revision: Int, objects: inout KubernetesObjects
    ) {
        guard let namespace = KubernetesObjects.string(deployment, "metadata", "namespace"),
            let name = KubernetesObjects.string(deployment, "metadata", "name")
        else { return }
        var labels =
            KubernetesObjects.value(deployment, path: ["spec", "template", "metadata", "labels"]) as? [String: String]
            ?? [:]
        labels["pod-template-hash"] = hash
        objects.store(
            "replicasets", namespace, "\(name)-\(hash)",
            [
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": [
                    "name": "\(name)-\(hash)", "namespace": namespace, "labels": labels,
                    "annotations": ["deployment.kubernetes.io/revision": String(revision)],
                    "ownerReferences": [
                        [
                            "apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": true,
                            "uid": KubernetesObjects.string(deployment, "metadata", "uid") ?? "",
                        ]
                    ],
                ],
            ])
    }

    mutating func createPod(
        deployment: [String: Any], hash: String, image: String, failure: FakeKubernetes.Failure?,
        objects: inout KubernetesObjects
    ) {
        guard let namespace = KubernetesObjects.string(deployment, "metadata", "namespace"),
            let name = KubernetesObjects.string(deployment, "metadata", "name")
        else { return }
        nameCounter += 1
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var suffix = ""
        var number = nameCounter
        for _ in 0..<5 {
            suffix.append(alphabet[number % alphabet.count])
            number /= alphabet.count
        }
        let podName = "\(name)-\(hash)-\(suffix)"
        var labels =
            KubernetesObjects.value(deployment, path: ["spec", "template", "metadata", "labels"]) as? [String: String]
            ?? [:]
        labels["pod-template-hash"] = hash
        var containers =
            KubernetesObjects.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]]
            ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        var pod: [String: Any] = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": podName, "namespace": namespace, "labels": labels,
                "ownerReferences": [
                    ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "\(name)-\(hash)", "controller": true]
                ],
            ],
            "spec": ["containers": containers],
            "status": [:] as [String: Any],
        ]
        pod = Self.runningPod(pod)
        if let failure { Self.apply(failure, to: &pod, finishedAt: K8s.Timestamp.format(Date())) }
        objects.store("pods", namespace, podName, pod)
        lastPodName = podName
    }

    mutating func createEvent(
        namespace: String, podName: String, reason: String, message: String, objects: inout KubernetesObjects
    ) {
        nameCounter += 1
        let name = "\(podName).\(String(nameCounter, radix: 16))"
        objects.store(
            "events", namespace, name,
            [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": name, "namespace": namespace],
                "involvedObject": ["kind": "Pod", "namespace": namespace, "name": podName],
                "reason": reason, "type": "Warning", "count": 3, "message": message,
            ])
    }

    static func storeSealedSecret(
        namespace: String, name: String, state: SealedSecretState, objects: inout KubernetesObjects
    ) {
        let condition: [String: Any]
        switch state {
        case .absent: return
        case .synced: condition = ["type": "Synced", "status": "True"]
        case .notSynced(let message): condition = ["type": "Synced", "status": "False", "message": message]
        }
        objects.store(
            "sealedsecrets", namespace, name,
            [
                "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
                "metadata": ["name": name, "namespace": namespace, "generation": 1],
                "spec": ["encryptedData": ["password": "AgBy3i4OJSWK+PiTySYZZA=="]],
                "status": ["observedGeneration": 1, "conditions": [condition]],
            ])
    }

    static func runningPod(_ pod: [String: Any]) -> [String: Any] {
        var pod = pod
        let containers = KubernetesObjects.value(pod, path: ["spec", "containers"]) as? [[String: Any]] ?? []
        pod["status"] =
            [
                "phase": "Running",
                "conditions": [["type": "PodScheduled", "status": "True"], ["type": "Ready", "status": "True"]],
                "containerStatuses": containers.map { container -> [String: Any] in
                    [
                        "name": container["name"] ?? "app", "image": container["image"] ?? "", "ready": true,
                        "restartCount": 0,
                        "state": ["running": ["startedAt": K8s.Timestamp.format(Date())]],
                        "lastState": [:] as [String: Any],
                    ]
                },
            ] as [String: Any]
        return pod
    }

    /// Writes the failure's exact status strings into a pod.
    static func apply(_ failure: FakeKubernetes.Failure, to pod: inout [String: Any], finishedAt: String) {
        let name = KubernetesObjects.string(pod, "metadata", "name") ?? ""
        let namespace = KubernetesObjects.string(pod, "metadata", "namespace") ?? ""
        let containers = KubernetesObjects.value(pod, path: ["spec", "containers"]) as? [[String: Any]] ?? []
        let container = containers.first?["name"] as? String ?? "app"
        let image = containers.first?["image"] as? String ?? ""
        func waiting(
            _ reason: String, _ message: String, phase: String = "Pending", restarts: Int = 0,
            last: [String: Any] = [:]
        ) {
            pod["status"] =
                [
                    "phase": phase,
                    "conditions": [["type": "PodScheduled", "status": "True"], ["type": "Ready", "status": "False"]],
                    "containerStatuses": [
                        [
                            "name": container, "image": image, "ready": false, "restartCount": restarts,
                            "state": ["waiting": ["reason": reason, "message": message]], "lastState": last,
                        ]
                    ],
                ] as [String: Any]
        }
        switch failure {
        case .buildFailed:
            break
        case .oomKilled:
            waiting(
                "CrashLoopBackOff",
                "back-off 1m20s restarting failed container=\(container) pod=\(name)_\(namespace)(0f1e2d3c-aaaa-bbbb-cccc-123456789abc)",
                phase: "Running", restarts: 4,
                last: [
                    "terminated": [
                        "reason": "OOMKilled", "exitCode": 137, "startedAt": finishedAt, "finishedAt": finishedAt,
                    ]
                ])
        case .unschedulable:
            pod["status"] =
                [
                    "phase": "Pending",
                    "conditions": [
                        [
                            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "message":
                                "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
                        ]
                    ],
                ] as [String: Any]
        case .missingSecret(let secret, _):
            waiting("CreateContainerConfigError", "secret \"\(secret)\" not found")
        case .missingSecretVolume:
            waiting("ContainerCreating", "")
        case .configMapKeyTypo(let key, let configMap, _):
            waiting("CreateContainerConfigError", "couldn't find key \(key) in ConfigMap \(namespace)/\(configMap)")
        case .missingConfigMap(let configMap):
            waiting("CreateContainerConfigError", "configmap \"\(configMap)\" not found")
        case .imagePull:
            waiting("ImagePullBackOff", "Back-off pulling image \"\(image)\"")
        case .crashLoop(let exitCode, let message):
            var terminated: [String: Any] = [
                "reason": "Error", "exitCode": exitCode, "startedAt": finishedAt, "finishedAt": finishedAt,
            ]
            if let message { terminated["message"] = message }
            waiting(
                "CrashLoopBackOff",
                "back-off 40s restarting failed container=\(container) pod=\(name)_\(namespace)(0f1e2d3c-aaaa-bbbb-cccc-123456789abc)",
                phase: "Running", restarts: 3, last: ["terminated": terminated])
        case .progressDeadlineExceeded:
            var status = runningPod(pod)["status"] as? [String: Any] ?? [:]
            status["conditions"] = [["type": "PodScheduled", "status": "True"], ["type": "Ready", "status": "False"]]
            if var statuses = status["containerStatuses"] as? [[String: Any]], !statuses.isEmpty {
                statuses[0]["ready"] = false
                status["containerStatuses"] = statuses
            }
            pod["status"] = status
        }
    }

    /// Kubernetes-style 10-character hash of a pod template (here: of its image).
    static func templateHash(_ image: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in image.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var text = ""
        for _ in 0..<10 {
            text.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash /= UInt64(alphabet.count)
        }
        return text
    }
}
