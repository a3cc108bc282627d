import DeployCore
import Foundation
import SlipwayHTTP
import Synchronization

/// A stand-in for the Kubernetes API server with Flux, served over real HTTP on loopback (`FakeServer`).
///
/// It speaks the API's wire format for what Slipway uses: GET and LIST (with equality- and set-based
/// `labelSelector` and equality `fieldSelector`) of Kustomizations, GitRepositories, Deployments, ReplicaSets, Pods,
/// Events, ConfigMaps and SealedSecrets; JSON merge patch (`application/merge-patch+json`); `Status` bodies for
/// errors; a required bearer token (`FakeKubernetesAPI`). Objects live in memory as JSON (`KubernetesObjects`).
///
/// It also plays Flux (`FakeFlux`) and the Deployment controller (`FakeRolloutController`): when a linked
/// Kustomization gets a new `reconcile.fluxcd.io/requestedAt`, it reads the branch head of a real bare git repository,
/// records the revision (`main@sha1:<sha>`), reads the new image tag from the kustomization file at that commit, and
/// rolls the Deployment out to it: one step per read of the Deployment, complete after `rolloutSteps`, or failing in
/// a scripted way. Label selectors are parsed as the API server does (`LabelSelector`).
///
/// ```swift
/// let fake = try FakeKubernetes()
/// fake.addDeployment(namespace: "shop", name: "shop", image: "ghcr.io/nortinia-ltd/shop:main-0000000")
/// fake.linkFlux(namespace: "flux-system", kustomization: "shop-prod", gitRepository: "gitops",
///               gitDirectory: fixture.remote, path: "clusters/prod/shop/kustomization.yaml",
///               workloadNamespace: "shop", deployment: "shop", image: "ghcr.io/nortinia-ltd/shop")
/// fake.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
/// ```
public final class FakeKubernetes: Sendable {
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
    public var token: String { cluster.withLock { $0.token } }
    /// Reads of a Deployment it takes a rollout to complete (or to exceed its deadline).
    public let rolloutSteps: Int

    /// The loopback server: every exchange, bytes sent.
    public let server = FakeServer()
    let cluster: Mutex<FakeCluster>

    /// Starts the fake on a free loopback port.
    /// - Parameters:
    ///   - token: The bearer token to accept.
    ///   - rolloutSteps: Reads of a Deployment until its rollout completes (at least 1).
    /// - Throws: `HTTPServerError` when it cannot listen.
    public init(token: String = "fake-kubernetes-token", rolloutSteps: Int = 3) throws {
        let controller = FakeRolloutController(rolloutSteps: rolloutSteps)
        self.rolloutSteps = controller.rolloutSteps
        self.cluster = Mutex(FakeCluster(token: token, controller: controller))
        try server.start(serving: self) { fake, request in
            fake.cluster.withLock { FakeKubernetesAPI.handle(request, cluster: &$0) }
        }
    }

    /// Stops listening; later requests are refused.
    public func stop() { server.stop() }

    /// The API server URL to configure, e.g. `http://127.0.0.1:54321`.
    public var baseURL: String { server.baseURL }

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
        var located: [(plural: String, namespace: String, name: String)] = []
        for item in items {
            guard let kind = item["kind"] as? String,
                let plural = FakeKubernetesAPI.kinds.first(where: { $0.value.kind == kind })?.key,
                let namespace = KubernetesObjects.string(item, "metadata", "namespace")
                    ?? KubernetesObjects.string(item, "involvedObject", "namespace"),
                let name = KubernetesObjects.string(item, "metadata", "name")
            else {
                throw FakeKubernetesError(
                    description: "object needs a known kind, metadata.namespace and metadata.name")
            }
            located.append((plural, namespace, name))
        }
        // Rebuilt inside the lock: the cluster's state takes only values created there (`Mutex` state is `sending`).
        let json = String(decoding: KubernetesObjects.serialize(items), as: UTF8.self)
        cluster.withLock { cluster in
            let copies = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] ?? []
            for (place, item) in zip(located, copies) {
                cluster.objects.store(place.plural, place.namespace, place.name, item)
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
        cluster.withLock { cluster in
            cluster.controller.addDeployment(
                namespace: namespace, name: name, image: image, replicas: replicas, labels: labels ?? ["app": name],
                memoryLimit: memoryLimit, objects: &cluster.objects)
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
        let link = FakeFlux.Link(
            namespace: namespace, kustomization: kustomization, gitRepository: gitRepository,
            gitDirectory: gitDirectory,
            branch: branch, path: path, workloadNamespace: workloadNamespace, deployment: deployment, image: image)
        let revision = FakeFlux.head(gitDirectory: gitDirectory, branch: branch)?.revision
        cluster.withLock { cluster in cluster.flux.link(link, revision: revision, objects: &cluster.objects) }
    }

    /// Stores a Kustomization as Flux leaves it after applying `revision` (and its GitRepository when missing),
    /// without a git repository behind it: for clusters whose Flux is not exercised.
    /// - Parameters:
    ///   - path: The kustomization file in the GitOps repository; the Kustomization's `spec.path` is its folder.
    ///   - revision: A commit id; recorded as `<branch>@sha1:<revision>`.
    public func applied(
        namespace: String = "flux-system", kustomization: String, gitRepository: String, branch: String = "main",
        path: String, revision: String
    ) {
        cluster.withLock { cluster in
            FakeFlux.seed(
                namespace: namespace, kustomization: kustomization, gitRepository: gitRepository,
                url: "https://git.example/gitops.git", branch: branch, path: path,
                revision: "\(branch)@sha1:\(revision)", objects: &cluster.objects)
        }
    }

    /// Accepts only `newToken` from now on, as after a service account token rotation.
    public func rotateToken(to newToken: String) { cluster.withLock { $0.token = newToken } }

    /// Sets what the Deployment's next rollout does (default `.succeed`).
    public func script(namespace: String, deployment: String, outcome: Outcome) {
        cluster.withLock { $0.controller.script(namespace: namespace, deployment: deployment, outcome: outcome) }
    }

    /// Starts rolling the Deployment out to `image` now, per its scripted outcome, as its controller does after a
    /// change of the pod template (Flux does this on its own for linked Kustomizations).
    public func rollOut(namespace: String, deployment: String, image: String) {
        cluster.withLock { cluster in
            let outcome = cluster.controller.outcome(namespace: namespace, deployment: deployment)
            cluster.controller.startRollout(
                namespace: namespace, deployment: deployment, image: image, outcome: outcome,
                objects: &cluster.objects)
        }
    }

    /// Completes the Deployment's current rollout now: all new pods ready, old ones gone.
    public func completeRollout(namespace: String, deployment: String) {
        cluster.withLock { cluster in
            cluster.controller.completeRollout(namespace: namespace, deployment: deployment, objects: &cluster.objects)
        }
    }

    /// Scales the Deployment as a HorizontalPodAutoscaler does: `spec.replicas` becomes `replicas`; added pods of
    /// the current ReplicaSet run but are not ready until `readyPods(namespace:deployment:)`.
    public func scale(namespace: String, deployment: String, replicas: Int) {
        cluster.withLock { cluster in
            cluster.controller.scale(
                namespace: namespace, deployment: deployment, replicas: replicas, objects: &cluster.objects)
        }
    }

    /// Makes every pod of the Deployment's current ReplicaSet ready now.
    public func readyPods(namespace: String, deployment: String) {
        cluster.withLock { cluster in
            FakeRolloutController.readyPods(namespace: namespace, deployment: deployment, objects: &cluster.objects)
        }
    }

    /// Makes the Deployment's current pods fail now, e.g. a crash during the stability window.
    /// - Parameters:
    ///   - failure: A pod-level failure.
    ///   - at: When the containers last terminated (`lastState.terminated.finishedAt`).
    public func failPods(namespace: String, deployment: String, with failure: Failure, at date: Date = Date()) {
        cluster.withLock { cluster in
            FakeRolloutController.failPods(
                namespace: namespace, deployment: deployment, with: failure, at: date, objects: &cluster.objects)
        }
    }

    // MARK: - Inspection

    /// Recorded requests, oldest first.
    public func requests() -> [Request] {
        server.exchanges.map { exchange in
            Request(
                method: exchange.request.method.rawValue, path: exchange.request.path,
                query: FakeKubernetesAPI.decodeQuery(exchange.request.query),
                contentType: exchange.request.headers["Content-Type"])
        }
    }

    /// How many requests went to `path` (any method, any query).
    public func requestCount(path: String) -> Int { server.exchanges.filter { $0.request.path == path }.count }

    /// How many requests were served in all.
    public var totalRequests: Int { server.requestCount }

    /// Forgets the recorded requests.
    public func resetRequests() { server.forgetExchanges() }

    /// An object as JSON text, or nil.
    public func objectJSON(_ plural: String, namespace: String, name: String) -> String? {
        cluster.withLock { cluster in
            cluster.objects[plural: plural, namespace: namespace, name: name].map {
                String(decoding: KubernetesObjects.serialize($0), as: UTF8.self)
            }
        }
    }

    /// An object decoded into a model, or nil.
    public func object<T: Decodable>(_ type: T.Type, _ plural: String, namespace: String, name: String) -> T? {
        objectJSON(plural, namespace: namespace, name: name).flatMap { try? K8s.decode(T.self, from: $0) }
    }
}

/// A misuse of `FakeKubernetes` in a test (bad seed JSON).
public struct FakeKubernetesError: Error, CustomStringConvertible {
    public let description: String
}
