import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayHTTP
import SlipwaySubprocess

/// A stand-in for the Kubernetes API server with Flux, served over real HTTP on loopback.
///
/// It speaks the API's wire format for what Slipway uses: GET and LIST (with equality- and set-based
/// `labelSelector` and equality `fieldSelector`) of Kustomizations, GitRepositories, Deployments, ReplicaSets, Pods,
/// Events, ConfigMaps and SealedSecrets; JSON merge patch (`application/merge-patch+json`); `Status` bodies for
/// errors; a required bearer token. Objects live in memory as JSON.
///
/// It also plays Flux and the Deployment controller: when a linked Kustomization gets a new
/// `reconcile.fluxcd.io/requestedAt`, it reads the branch head of a real bare git repository, records the revision
/// (`main@sha1:<sha>`), reads the new image tag from the kustomization file at that commit, and rolls the Deployment
/// out to it: one step per read of the Deployment, complete after `rolloutSteps`, or failing in a scripted way.
///
/// ```swift
/// let fake = try FakeKubernetes()
/// fake.addDeployment(namespace: "shop", name: "shop", image: "ghcr.io/nortinia-ltd/shop:main-0000000")
/// fake.linkFlux(namespace: "flux-system", kustomization: "shop-prod", gitRepository: "gitops",
///               gitDirectory: fixture.remote, path: "clusters/prod/shop/kustomization.yaml",
///               workloadNamespace: "shop", deployment: "shop", image: "ghcr.io/nortinia-ltd/shop")
/// fake.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
/// ```
public final class FakeKubernetes: @unchecked Sendable {
    /// A way for a rollout (or Flux) to fail, written with the exact status strings the real components use.
    public enum Failure: Sendable, Equatable {
        /// Flux: Ready=False, reason BuildFailed.
        case buildFailed(message: String)
        /// New pods: lastState.terminated OOMKilled (exit 137), CrashLoopBackOff.
        case oomKilled
        /// New pods: PodScheduled=False Unschedulable `Insufficient memory`, plus a FailedScheduling event.
        case unschedulable
        /// New pods: CreateContainerConfigError `secret "<name>" not found`; a SealedSecret in the given state.
        case missingSecret(name: String, sealedSecret: SealedSecretState)
        /// New pods: a Secret volume that does not exist: pods stay ContainerCreating, a FailedMount event tells.
        case missingSecretVolume(name: String)
        /// New pods: `couldn't find key <key> in ConfigMap <ns>/<configMap>`; the ConfigMap exists with `keys`.
        case configMapKeyTypo(key: String, configMap: String, keys: [String])
        /// New pods: `configmap "<name>" not found`.
        case missingConfigMap(name: String)
        /// New pods: ImagePullBackOff.
        case imagePull
        /// New pods: CrashLoopBackOff after exiting with `exitCode`.
        case crashLoop(exitCode: Int, message: String?)
        /// New pods run but never become ready; after `rolloutSteps` the Deployment reports ProgressDeadlineExceeded.
        case progressDeadlineExceeded
    }

    /// What a Deployment's next rollout does.
    public enum Outcome: Sendable, Equatable {
        /// Completes after `rolloutSteps` reads of the Deployment.
        case succeed
        /// Stays in progress until `completeRollout(namespace:deployment:)`.
        case hold
        /// Fails in the given way.
        case fail(Failure)
    }

    /// One recorded request.
    public struct Request: Sendable, Equatable {
        public let method: String
        public let path: String
        /// The query, percent-decoded, e.g. `["labelSelector": "app=shop"]`.
        public let query: [String: String]
        public let contentType: String?
    }

    /// The bearer token the fake accepts now.
    public var token: String { lock.withLock { acceptedToken } }
    /// Reads of a Deployment it takes a rollout to complete (or to exceed its deadline).
    public let rolloutSteps: Int

    private let server: HTTPServer
    private let lock = NSLock()
    private var acceptedToken: String
    private var objects: [String: [String: Any]] = [:]  // "<plural>/<namespace>/<name>" → object
    private var recorded: [Request] = []
    private var resourceVersion = 1000
    private var nameCounter = 0
    private var outcomes: [String: Outcome] = [:]  // "<namespace>/<deployment>"
    private var rollouts: [String: Rollout] = [:]
    private var fluxLinks: [String: FluxLink] = [:]  // "<namespace>/<kustomization>"
    private var gitLinks: [String: FluxLink] = [:]  // "<namespace>/<gitRepository>"

    private struct FluxLink {
        var namespace: String
        var kustomization: String
        var gitRepository: String
        var gitDirectory: String
        var branch: String
        var path: String
        var workloadNamespace: String
        var deployment: String
        var image: String
    }

    private struct Rollout {
        var outcome: Outcome
        var step = 0
        var newHash: String
        var newImage: String
        var oldHash: String?
        var complete = false
    }

    /// Resource kinds served: plural → (API prefix, kind).
    private static let kinds: [String: (prefix: String, kind: String)] = [
        "kustomizations": ("/apis/kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        "gitrepositories": ("/apis/source.toolkit.fluxcd.io/v1", "GitRepository"),
        "deployments": ("/apis/apps/v1", "Deployment"),
        "replicasets": ("/apis/apps/v1", "ReplicaSet"),
        "pods": ("/api/v1", "Pod"),
        "events": ("/api/v1", "Event"),
        "configmaps": ("/api/v1", "ConfigMap"),
        "secrets": ("/api/v1", "Secret"),
        "sealedsecrets": ("/apis/bitnami.com/v1alpha1", "SealedSecret"),
    ]

    /// Starts the fake on a free loopback port.
    /// - Parameters:
    ///   - token: The bearer token to accept.
    ///   - rolloutSteps: Reads of a Deployment until its rollout completes (at least 1).
    /// - Throws: `HTTPServerError` when it cannot listen.
    public init(token: String = "fake-kubernetes-token", rolloutSteps: Int = 3) throws {
        self.acceptedToken = token
        self.rolloutSteps = max(1, rolloutSteps)
        let box = HandlerBox()
        self.server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threadCount: 2)) { request in
            box.fake?.handle(request) ?? .text(503, "stopped")
        }
        box.fake = self
        try server.start()
    }

    deinit { server.stop() }

    /// Stops listening; later requests are refused.
    public func stop() { server.stop() }

    /// The API server URL to configure, e.g. `http://127.0.0.1:54321`.
    public var baseURL: String { "http://127.0.0.1:\(server.port)" }

    // MARK: - Seeding

    /// Stores an object given as JSON (e.g. a fixture); its kind, namespace and name come from the JSON.
    /// A `…List` stores each item (items without `kind` get the list's kind minus `List`).
    public func put(json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw FakeKubernetesError(description: "not a JSON object")
        }
        var items: [[String: Any]] = [object]
        if let kind = object["kind"] as? String, kind.hasSuffix("List"),
            let listItems = object["items"] as? [[String: Any]]
        {
            let itemKind = String(kind.dropLast(4))
            items = listItems.map { item in
                var item = item
                if item["kind"] == nil { item["kind"] = itemKind }
                return item
            }
        }
        try lock.withLock {
            for item in items {
                guard let kind = item["kind"] as? String,
                    let plural = Self.kinds.first(where: { $0.value.kind == kind })?.key,
                    let namespace = Self.string(item, "metadata", "namespace")
                        ?? Self.string(item, "involvedObject", "namespace"),
                    let name = Self.string(item, "metadata", "name")
                else {
                    throw FakeKubernetesError(
                        description: "object needs a known kind, metadata.namespace and metadata.name")
                }
                store(plural, namespace, name, item)
            }
        }
    }

    /// Adds a Deployment whose rollout is complete, with its ReplicaSet and running pods.
    /// - Parameters:
    ///   - labels: The selector and pod labels (default `app=<name>`).
    ///   - memoryLimit: The container's memory limit and request, when set.
    public func addDeployment(
        namespace: String, name: String, image: String, replicas: Int = 3, labels: [String: String]? = nil,
        memoryLimit: String? = nil
    ) {
        let labels = labels ?? ["app": name]
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
        lock.withLock {
            store("deployments", namespace, name, deployment)
            createReplicaSet(deployment: deployment, hash: hash, revision: 1)
            for _ in 0..<replicas { createPod(deployment: deployment, hash: hash, image: image, failure: nil) }
        }
    }

    /// Adds a Flux Kustomization and GitRepository that play Flux for a Deployment.
    ///
    /// On a new `reconcile.fluxcd.io/requestedAt` the Kustomization takes the head of `branch` in `gitDirectory`
    /// (a real bare repository), reads `newTag` of `image` from the kustomization file at `path`, and rolls
    /// `workloadNamespace/deployment` out to `image:newTag` per the Deployment's scripted outcome.
    public func linkFlux(
        namespace: String = "flux-system", kustomization: String, gitRepository: String, gitDirectory: String,
        branch: String = "main", path: String, workloadNamespace: String, deployment: String, image: String
    ) {
        let link = FluxLink(
            namespace: namespace, kustomization: kustomization, gitRepository: gitRepository,
            gitDirectory: gitDirectory,
            branch: branch, path: path, workloadNamespace: workloadNamespace, deployment: deployment, image: image)
        let head = Self.git(["--git-dir", gitDirectory, "rev-parse", "refs/heads/\(branch)"])
        let revision = head.map { "\(branch)@sha1:\($0)" }
        lock.withLock {
            fluxLinks["\(namespace)/\(kustomization)"] = link
            gitLinks["\(namespace)/\(gitRepository)"] = link
            var status: [String: Any] = [
                "observedGeneration": 1,
                "conditions": [
                    Self.readyCondition(
                        true, "ReconciliationSucceeded", revision.map { "Applied revision: \($0)" } ?? "Applied")
                ],
            ]
            if let revision {
                status["lastAppliedRevision"] = revision
                status["lastAttemptedRevision"] = revision
            }
            store(
                "kustomizations", namespace, kustomization,
                [
                    "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                    "metadata": ["name": kustomization, "namespace": namespace, "generation": 1],
                    "spec": [
                        "interval": "10m", "path": "./" + (path as NSString).deletingLastPathComponent, "prune": true,
                        "sourceRef": ["kind": "GitRepository", "name": gitRepository], "wait": true, "timeout": "5m",
                    ],
                    "status": status,
                ])
            if objects["gitrepositories/\(namespace)/\(gitRepository)"] == nil {
                var gitStatus: [String: Any] = [
                    "observedGeneration": 1, "conditions": [Self.readyCondition(true, "Succeeded", "stored artifact")],
                ]
                if let revision { gitStatus["artifact"] = ["revision": revision] }
                store(
                    "gitrepositories", namespace, gitRepository,
                    [
                        "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                        "metadata": ["name": gitRepository, "namespace": namespace, "generation": 1],
                        "spec": ["interval": "1m", "url": "file://" + gitDirectory, "ref": ["branch": branch]],
                        "status": gitStatus,
                    ])
            }
        }
    }

    /// Accepts only `newToken` from now on, as after a service account token rotation.
    public func rotateToken(to newToken: String) { lock.withLock { acceptedToken = newToken } }

    /// Sets what the Deployment's next rollout does (default `.succeed`).
    public func script(namespace: String, deployment: String, outcome: Outcome) {
        lock.withLock { outcomes["\(namespace)/\(deployment)"] = outcome }
    }

    /// Completes the Deployment's current rollout now: all new pods ready, old ones gone.
    public func completeRollout(namespace: String, deployment: String) {
        lock.withLock {
            guard var rollout = rollouts["\(namespace)/\(deployment)"] else { return }
            finish(namespace: namespace, deployment: deployment, rollout: &rollout)
            rollouts["\(namespace)/\(deployment)"] = rollout
        }
    }

    /// Makes the Deployment's current pods fail now, e.g. a crash during the stability window.
    /// - Parameters:
    ///   - failure: A pod-level failure.
    ///   - at: When the containers last terminated (`lastState.terminated.finishedAt`).
    public func failPods(namespace: String, deployment: String, with failure: Failure, at date: Date = Date()) {
        lock.withLock {
            for (key, var pod) in objects where key.hasPrefix("pods/\(namespace)/\(deployment)-") {
                Self.apply(failure, to: &pod, finishedAt: K8s.Timestamp.format(date))
                objects[key] = pod
                bumpVersion(&objects[key]!)
            }
        }
    }

    // MARK: - Inspection

    /// Recorded requests, oldest first.
    public func requests() -> [Request] { lock.withLock { recorded } }

    /// How many requests went to `path` (any method, any query).
    public func requestCount(path: String) -> Int { lock.withLock { recorded.filter { $0.path == path }.count } }

    /// How many requests were served in all.
    public var totalRequests: Int { lock.withLock { recorded.count } }

    /// Forgets the recorded requests.
    public func resetRequests() { lock.withLock { recorded.removeAll() } }

    /// An object as JSON text, or nil.
    public func objectJSON(_ plural: String, namespace: String, name: String) -> String? {
        lock.withLock {
            objects["\(plural)/\(namespace)/\(name)"].map { String(decoding: Self.serialize($0), as: UTF8.self) }
        }
    }

    /// An object decoded into a model, or nil.
    public func object<T: Decodable>(_ type: T.Type, _ plural: String, namespace: String, name: String) -> T? {
        objectJSON(plural, namespace: namespace, name: name).flatMap { try? K8s.decode(T.self, from: $0) }
    }

    // MARK: - Serving

    private final class HandlerBox: @unchecked Sendable {
        weak var fake: FakeKubernetes?
    }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let query = Self.decodeQuery(request.query)
        lock.withLock {
            recorded.append(
                Request(
                    method: request.method.rawValue, path: request.path, query: query,
                    contentType: request.headers["Content-Type"]))
        }
        guard request.headers["Authorization"] == "Bearer \(token)" else {
            return Self.status(401, "Unauthorized", "Unauthorized")
        }
        guard let route = Self.route(request.path) else {
            return Self.status(404, "NotFound", "the server could not find the requested resource")
        }
        return lock.withLock { () -> HTTPResponse in
            switch (request.method, route.name) {
            case (.get, nil):
                return list(route, query: query)
            case (.get, let name?):
                return get(route, name: name)
            case (.patch, let name?):
                return patch(route, name: name, request: request)
            default:
                return Self.status(
                    405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            }
        }
    }

    private struct Route {
        var plural: String
        var namespace: String
        var name: String?
    }

    private static func route(_ path: String) -> Route? {
        for (plural, info) in kinds where path.hasPrefix(info.prefix + "/namespaces/") {
            let rest = path.dropFirst(info.prefix.count + "/namespaces/".count).split(
                separator: "/", omittingEmptySubsequences: false)
            guard rest.count == 2 || rest.count == 3, rest[1] == plural, !rest[0].isEmpty else { continue }
            if rest.count == 3 && rest[2].isEmpty { return nil }
            return Route(plural: plural, namespace: String(rest[0]), name: rest.count == 3 ? String(rest[2]) : nil)
        }
        return nil
    }

    private func list(_ route: Route, query: [String: String]) -> HTTPResponse {
        let prefix = "\(route.plural)/\(route.namespace)/"
        var selectors: [LabelRequirement] = []
        if let text = query["labelSelector"], !text.isEmpty {
            guard let parsed = Self.parseLabelSelector(text) else {
                return Self.status(400, "BadRequest", "unable to parse requirement: invalid label selector \"\(text)\"")
            }
            selectors = parsed
        }
        let fields = (query["fieldSelector"] ?? "").split(separator: ",").compactMap {
            term -> (String, String, Bool)? in
            if let range = term.range(of: "!=") {
                return (String(term[..<range.lowerBound]), String(term[range.upperBound...]), false)
            }
            let parts = term.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return (
                parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "=")),
                parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "=")), true
            )
        }
        var items: [[String: Any]] = []
        for key in objects.keys.sorted() where key.hasPrefix(prefix) {
            if route.plural == "deployments" {
                advanceRollout(namespace: route.namespace, deployment: String(key.dropFirst(prefix.count)))
            }
            let object = objects[key]!
            let labels = (object["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
            guard selectors.allSatisfy({ $0.matches(labels) }) else { continue }
            guard
                fields.allSatisfy({ field in
                    let found = Self.value(object, path: field.0.split(separator: ".").map(String.init))
                    return ((found as? String ?? "") == field.1) == field.2
                })
            else { continue }
            items.append(object)
        }
        let kind = Self.kinds[route.plural]!.kind
        let list: [String: Any] = [
            "apiVersion": Self.apiVersion(route.plural), "kind": kind + "List",
            "metadata": ["resourceVersion": String(resourceVersion)], "items": items,
        ]
        return .json(200, Self.serialize(list))
    }

    private func get(_ route: Route, name: String) -> HTTPResponse {
        if route.plural == "deployments" { advanceRollout(namespace: route.namespace, deployment: name) }
        guard let object = objects["\(route.plural)/\(route.namespace)/\(name)"] else {
            return Self.notFound(route, name)
        }
        return .json(200, Self.serialize(object))
    }

    private func patch(_ route: Route, name: String, request: HTTPRequest) -> HTTPResponse {
        let contentType = request.headers["Content-Type"]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard contentType == "application/merge-patch+json" else {
            return Self.status(
                415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
            )
        }
        let key = "\(route.plural)/\(route.namespace)/\(name)"
        guard let object = objects[key] else { return Self.notFound(route, name) }
        guard let patch = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return Self.status(400, "BadRequest", "error decoding patch: invalid JSON")
        }
        let before = Self.string(object, "metadata", "annotations", "reconcile.fluxcd.io/requestedAt")
        guard var patched = Self.mergePatch(object, patch) as? [String: Any] else {
            return Self.status(422, "Invalid", "the patch made the object invalid")
        }
        bumpVersion(&patched)
        objects[key] = patched
        if let requested = Self.string(patched, "metadata", "annotations", "reconcile.fluxcd.io/requestedAt"),
            requested != before
        {
            switch route.plural {
            case "gitrepositories": reconcileSource(namespace: route.namespace, name: name, token: requested)
            case "kustomizations": reconcileKustomization(namespace: route.namespace, name: name, token: requested)
            default: break
            }
        }
        return .json(200, Self.serialize(objects[key]!))
    }

    // MARK: - Flux

    private func reconcileSource(namespace: String, name: String, token: String) {
        let key = "gitrepositories/\(namespace)/\(name)"
        guard var object = objects[key] else { return }
        var status = object["status"] as? [String: Any] ?? [:]
        status["lastHandledReconcileAt"] = token
        if let link = gitLinks["\(namespace)/\(name)"],
            let head = Self.git(["--git-dir", link.gitDirectory, "rev-parse", "refs/heads/\(link.branch)"])
        {
            status["artifact"] = ["revision": "\(link.branch)@sha1:\(head)"]
        }
        object["status"] = status
        bumpVersion(&object)
        objects[key] = object
    }

    private func reconcileKustomization(namespace: String, name: String, token: String) {
        let key = "kustomizations/\(namespace)/\(name)"
        guard var object = objects[key] else { return }
        var status = object["status"] as? [String: Any] ?? [:]
        status["lastHandledReconcileAt"] = token
        defer {
            object["status"] = status
            bumpVersion(&object)
            objects[key] = object
        }
        guard let link = fluxLinks["\(namespace)/\(name)"],
            let head = Self.git(["--git-dir", link.gitDirectory, "rev-parse", "refs/heads/\(link.branch)"])
        else { return }
        let revision = "\(link.branch)@sha1:\(head)"
        status["lastAttemptedRevision"] = revision
        let outcome = outcomes["\(link.workloadNamespace)/\(link.deployment)"] ?? .succeed
        if case .fail(.buildFailed(let message)) = outcome {
            status["conditions"] = [Self.readyCondition(false, "BuildFailed", message)]
            return
        }
        status["lastAppliedRevision"] = revision
        status["conditions"] = [Self.readyCondition(true, "ReconciliationSucceeded", "Applied revision: \(revision)")]
        let file = Self.git(["--git-dir", link.gitDirectory, "show", "\(head):\(link.path)"]) ?? ""
        if let tag = Self.newTag(of: link.image, in: file) {
            startRollout(
                namespace: link.workloadNamespace, deployment: link.deployment, image: "\(link.image):\(tag)",
                outcome: outcome)
        }
    }

    // MARK: - Deployment controller

    private func startRollout(namespace: String, deployment name: String, image: String, outcome: Outcome) {
        let key = "deployments/\(namespace)/\(name)"
        guard var deployment = objects[key] else { return }
        let current =
            (Self.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?.first?[
                "image"] as? String
        guard current != image else { return }
        let generation = (Self.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1) + 1
        let revision =
            Int(Self.string(deployment, "metadata", "annotations", "deployment.kubernetes.io/revision") ?? "1") ?? 1
        Self.setValue(&deployment, path: ["metadata", "generation"], generation)
        Self.setValue(
            &deployment, path: ["metadata", "annotations", "deployment.kubernetes.io/revision"], String(revision + 1))
        var containers =
            Self.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]] ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        if case .fail(.oomKilled) = outcome, !containers.isEmpty, containers[0]["resources"] == nil {
            containers[0]["resources"] = ["requests": ["memory": "256Mi"], "limits": ["memory": "256Mi"]]
        }
        if case .fail(.unschedulable) = outcome, !containers.isEmpty {
            containers[0]["resources"] = ["requests": ["memory": "64Gi", "cpu": "250m"], "limits": ["memory": "64Gi"]]
        }
        Self.setValue(&deployment, path: ["spec", "template", "spec", "containers"], containers)
        let desired = Self.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        deployment["status"] = Self.deploymentStatus(
            generation: generation, desired: desired, replicas: desired + 1, updated: 1, available: desired,
            progressing: (
                "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)-\(Self.templateHash(image))\" is progressing."
            ))
        bumpVersion(&deployment)
        objects[key] = deployment

        let hash = Self.templateHash(image)
        let oldHash = current.map(Self.templateHash)
        createReplicaSet(deployment: deployment, hash: hash, revision: revision + 1)
        let failure: Failure? = if case .fail(let failure) = outcome { failure } else { nil }
        createPod(deployment: deployment, hash: hash, image: image, failure: failure)
        if case .fail(.unschedulable) = outcome {
            createEvent(
                namespace: namespace, podName: lastPodName, reason: "FailedScheduling",
                message:
                    "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
            )
        }
        if case .fail(.missingSecretVolume(let secret)) = outcome {
            createEvent(
                namespace: namespace, podName: lastPodName, reason: "FailedMount",
                message: "MountVolume.SetUp failed for volume \"creds\" : secret \"\(secret)\" not found")
        }
        if case .fail(.missingSecret(let secret, let state)) = outcome {
            storeSealedSecret(namespace: namespace, name: secret, state: state)
        }
        if case .fail(.configMapKeyTypo(_, let configMap, let keys)) = outcome,
            objects["configmaps/\(namespace)/\(configMap)"] == nil
        {
            store(
                "configmaps", namespace, configMap,
                [
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": configMap, "namespace": namespace],
                    "data": Dictionary(uniqueKeysWithValues: keys.map { ($0, "value-of-\($0.lowercased())") }),
                ])
        }
        rollouts["\(namespace)/\(name)"] = Rollout(outcome: outcome, newHash: hash, newImage: image, oldHash: oldHash)
    }

    /// One step of the rollout, taken each time the Deployment is read.
    private func advanceRollout(namespace: String, deployment name: String) {
        let id = "\(namespace)/\(name)"
        guard var rollout = rollouts[id], !rollout.complete, let deployment = objects["deployments/\(id)"] else {
            return
        }
        rollout.step += 1
        defer { rollouts[id] = rollout }
        let desired = Self.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        let generation = Self.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1
        switch rollout.outcome {
        case .succeed where rollout.step >= rolloutSteps:
            finish(namespace: namespace, deployment: name, rollout: &rollout)
        case .succeed, .hold:
            let updated = max(1, min(desired - 1, desired * rollout.step / rolloutSteps))
            let newPods = objects.keys.filter { $0.hasPrefix("pods/\(namespace)/\(name)-\(rollout.newHash)-") }.count
            if newPods < updated {
                createPod(deployment: deployment, hash: rollout.newHash, image: rollout.newImage, failure: nil)
            }
            setDeploymentStatus(
                id,
                Self.deploymentStatus(
                    generation: generation, desired: desired, replicas: desired + 1, updated: updated,
                    available: desired,
                    progressing: (
                        "True", "ReplicaSetUpdated", "ReplicaSet \"\(name)-\(rollout.newHash)\" is progressing."
                    )))
        case .fail(.progressDeadlineExceeded) where rollout.step >= rolloutSteps:
            setDeploymentStatus(
                id,
                Self.deploymentStatus(
                    generation: generation, desired: desired, replicas: desired + 1, updated: 1, available: desired,
                    progressing: (
                        "False", "ProgressDeadlineExceeded",
                        "ReplicaSet \"\(name)-\(rollout.newHash)\" has timed out progressing."
                    )))
        case .fail:
            break
        }
    }

    private func finish(namespace: String, deployment name: String, rollout: inout Rollout) {
        let id = "\(namespace)/\(name)"
        guard let deployment = objects["deployments/\(id)"] else { return }
        let desired = Self.value(deployment, path: ["spec", "replicas"]) as? Int ?? 1
        let generation = Self.value(deployment, path: ["metadata", "generation"]) as? Int ?? 1
        if let oldHash = rollout.oldHash, oldHash != rollout.newHash {
            for key in objects.keys where key.hasPrefix("pods/\(namespace)/\(name)-\(oldHash)-") { objects[key] = nil }
        }
        for key in objects.keys where key.hasPrefix("pods/\(namespace)/\(name)-\(rollout.newHash)-") {
            objects[key] = Self.runningPod(objects[key]!)
        }
        var newPods = objects.keys.filter { $0.hasPrefix("pods/\(namespace)/\(name)-\(rollout.newHash)-") }.count
        while newPods < desired {
            createPod(deployment: deployment, hash: rollout.newHash, image: rollout.newImage, failure: nil)
            newPods += 1
        }
        setDeploymentStatus(
            id,
            Self.deploymentStatus(
                generation: generation, desired: desired, replicas: desired, updated: desired, available: desired,
                progressing: (
                    "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"\(name)-\(rollout.newHash)\" has successfully progressed."
                )))
        rollout.complete = true
    }

    private func setDeploymentStatus(_ id: String, _ status: [String: Any]) {
        guard var deployment = objects["deployments/\(id)"] else { return }
        deployment["status"] = status
        bumpVersion(&deployment)
        objects["deployments/\(id)"] = deployment
    }

    private static func deploymentStatus(
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

    private func createReplicaSet(deployment: [String: Any], hash: String, revision: Int) {
        guard let namespace = Self.string(deployment, "metadata", "namespace"),
            let name = Self.string(deployment, "metadata", "name")
        else { return }
        var labels =
            Self.value(deployment, path: ["spec", "template", "metadata", "labels"]) as? [String: String] ?? [:]
        labels["pod-template-hash"] = hash
        store(
            "replicasets", namespace, "\(name)-\(hash)",
            [
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": [
                    "name": "\(name)-\(hash)", "namespace": namespace, "labels": labels,
                    "annotations": ["deployment.kubernetes.io/revision": String(revision)],
                    "ownerReferences": [
                        [
                            "apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": true,
                            "uid": Self.string(deployment, "metadata", "uid") ?? "",
                        ]
                    ],
                ],
            ])
    }

    private var lastPodName = ""

    private func createPod(deployment: [String: Any], hash: String, image: String, failure: Failure?) {
        guard let namespace = Self.string(deployment, "metadata", "namespace"),
            let name = Self.string(deployment, "metadata", "name")
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
            Self.value(deployment, path: ["spec", "template", "metadata", "labels"]) as? [String: String] ?? [:]
        labels["pod-template-hash"] = hash
        var containers =
            Self.value(deployment, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]] ?? []
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
        store("pods", namespace, podName, pod)
        lastPodName = podName
    }

    private func createEvent(namespace: String, podName: String, reason: String, message: String) {
        nameCounter += 1
        let name = "\(podName).\(String(nameCounter, radix: 16))"
        store(
            "events", namespace, name,
            [
                "apiVersion": "v1", "kind": "Event", "metadata": ["name": name, "namespace": namespace],
                "involvedObject": ["kind": "Pod", "namespace": namespace, "name": podName],
                "reason": reason, "type": "Warning", "count": 3, "message": message,
            ])
    }

    private func storeSealedSecret(namespace: String, name: String, state: SealedSecretState) {
        let condition: [String: Any]
        switch state {
        case .absent: return
        case .synced: condition = ["type": "Synced", "status": "True"]
        case .notSynced(let message): condition = ["type": "Synced", "status": "False", "message": message]
        }
        store(
            "sealedsecrets", namespace, name,
            [
                "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
                "metadata": ["name": name, "namespace": namespace, "generation": 1],
                "spec": ["encryptedData": ["password": "AgBy3i4OJSWK+PiTySYZZA=="]],
                "status": ["observedGeneration": 1, "conditions": [condition]],
            ])
    }

    private static func runningPod(_ pod: [String: Any]) -> [String: Any] {
        var pod = pod
        let containers = value(pod, path: ["spec", "containers"]) as? [[String: Any]] ?? []
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
    private static func apply(_ failure: Failure, to pod: inout [String: Any], finishedAt: String) {
        let name = string(pod, "metadata", "name") ?? ""
        let namespace = string(pod, "metadata", "namespace") ?? ""
        let containers = value(pod, path: ["spec", "containers"]) as? [[String: Any]] ?? []
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

    // MARK: - Store helpers (call with the lock held)

    private func store(_ plural: String, _ namespace: String, _ name: String, _ object: [String: Any]) {
        var object = object
        bumpVersion(&object)
        objects["\(plural)/\(namespace)/\(name)"] = object
    }

    private func bumpVersion(_ object: inout [String: Any]) {
        resourceVersion += 1
        Self.setValue(&object, path: ["metadata", "resourceVersion"], String(resourceVersion))
    }

    private static func apiVersion(_ plural: String) -> String {
        let prefix = kinds[plural]!.prefix
        return prefix.hasPrefix("/apis/") ? String(prefix.dropFirst(6)) : "v1"
    }

    private static func notFound(_ route: Route, _ name: String) -> HTTPResponse {
        let group = kinds[route.plural]!.prefix.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        let resource = group.isEmpty || group == "v1" ? route.plural : "\(route.plural).\(group)"
        return status(404, "NotFound", "\(resource) \"\(name)\" not found")
    }

    /// A `Status` object, as the API server sends with every error.
    private static func status(_ code: Int, _ reason: String, _ message: String) -> HTTPResponse {
        .json(
            code,
            serialize([
                "kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure",
                "message": message, "reason": reason, "code": code,
            ]))
    }

    private static func readyCondition(_ ready: Bool, _ reason: String, _ message: String) -> [String: Any] {
        [
            "type": "Ready", "status": ready ? "True" : "False", "reason": reason, "message": message,
            "observedGeneration": 1, "lastTransitionTime": K8s.Timestamp.format(Date()),
        ]
    }

    private static func serialize(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
    private static func mergePatch(_ target: Any?, _ patch: Any) -> Any {
        guard let patch = patch as? [String: Any] else { return patch }
        var result = target as? [String: Any] ?? [:]
        for (key, value) in patch {
            if value is NSNull { result[key] = nil } else { result[key] = mergePatch(result[key], value) }
        }
        return result
    }

    private static func value(_ object: [String: Any], path: [String]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    private static func string(_ object: [String: Any], _ path: String...) -> String? {
        value(object, path: path) as? String
    }

    private static func setValue(_ object: inout [String: Any], path: [String], _ newValue: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = newValue
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        setValue(&child, path: Array(path.dropFirst()), newValue)
        object[first] = child
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

    /// `newTag` of the `images:` entry whose `name` (or `newName`) is `image`.
    static func newTag(of image: String, in kustomization: String) -> String? {
        var entries: [[String: String]] = []
        var inImages = false
        for rawLine in kustomization.split(separator: "\n", omittingEmptySubsequences: false) {
            let line =
                rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
                ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if !line.hasPrefix(" ") && !line.hasPrefix("-") {
                inImages = trimmed == "images:"
                continue
            }
            guard inImages else { continue }
            var field = trimmed
            if field.hasPrefix("- ") {
                entries.append([:])
                field = String(field.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            }
            let parts = field.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !entries.isEmpty else { continue }
            entries[entries.count - 1][parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return entries.first { $0["name"] == image || $0["newName"] == image }?["newTag"]
    }

    private static func git(_ arguments: [String]) -> String? {
        guard let result = try? Subprocess.run("git", arguments, environment: GitEnvironment.cleaned()),
            result.succeeded
        else {
            return nil
        }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func decodeQuery(_ query: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            items[name] = value.removingPercentEncoding ?? value
        }
        return items
    }

    // MARK: - Label selectors

    private enum LabelRequirement {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case absent(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            case .exists(let key): labels[key] != nil
            case .absent(let key): labels[key] == nil
            }
        }
    }

    /// `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
    private static func parseLabelSelector(_ text: String) -> [LabelRequirement]? {
        var terms: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                terms.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        terms.append(current)
        var requirements: [LabelRequirement] = []
        for raw in terms {
            let term = raw.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else { return nil }
            func values(_ rest: Substring) -> Set<String>? {
                let inner = rest.trimmingCharacters(in: .whitespaces)
                guard inner.hasPrefix("("), inner.hasSuffix(")") else { return nil }
                return Set(
                    inner.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            if let range = term.range(of: " notin ") {
                guard let set = values(term[range.upperBound...]) else { return nil }
                requirements.append(.notIn(term[..<range.lowerBound].trimmingCharacters(in: .whitespaces), set))
            } else if let range = term.range(of: " in ") {
                guard let set = values(term[range.upperBound...]) else { return nil }
                requirements.append(.isIn(term[..<range.lowerBound].trimmingCharacters(in: .whitespaces), set))
            } else if let range = term.range(of: "!=") {
                requirements.append(.notEquals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                requirements.append(.equals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                requirements.append(.absent(String(term.dropFirst())))
            } else if term.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) {
                requirements.append(.exists(term))
            } else {
                return nil
            }
        }
        return requirements
    }
}

/// A misuse of `FakeKubernetes` in a test (bad seed JSON).
public struct FakeKubernetesError: Error, CustomStringConvertible {
    public let description: String
}
