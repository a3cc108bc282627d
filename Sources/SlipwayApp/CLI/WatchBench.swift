import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwayKubernetes
import SlipwayStore

#if canImport(Glibc)
    import Glibc
#endif

/// `slipway bench-watch`: the rollout monitor against a simulated cluster with many services configured and
/// deploys in flight.
///
/// Prints, per poll cycle, the Kubernetes API calls and the CPU time of `RolloutMonitor.pollOnce()` with a large and
/// a small catalog watching the same deploys (the small one is the in-run baseline: calls must not grow with idle
/// services), then the time from the cluster reporting a rollout complete to the deploy being marked succeeded
/// (stability window 0), with the default poll interval and with a Flux event.
public enum WatchBench {
    /// Runs the benchmark and prints plain numbers.
    /// - Parameters:
    ///   - services: Services in the large catalog (each with 3 environments).
    ///   - smallServices: Services in the baseline catalog; at least `inFlight / 3` so every deploy has its own
    ///     environment.
    ///   - inFlight: Deploys rolling out at once.
    ///   - cycles: Poll cycles measured per catalog.
    ///   - samples: Rollouts completed per latency measurement.
    public static func run(
        services: Int = 1000, smallServices: Int = 20, inFlight: Int = 50, cycles: Int = 20, samples: Int = 10
    ) async throws {
        let inFlight = max(1, inFlight)
        let smallServices = max(smallServices, (inFlight + 2) / 3)
        let services = max(services, smallServices)
        print("watch bench: \(inFlight) deploys in flight, 3 environments per service, stability window 0 s")

        var perPoll: [(label: String, poll: PollCost)] = []
        for count in [services, smallServices] {
            let world = try World(services: count, inFlight: inFlight, pollInterval: 5)
            defer { world.stop() }
            let monitor = world.monitor(rolloutPollInterval: nil)
            await monitor.pollOnce()  // first sight: the reconcile requests (2 PATCHes per deploy)
            let cost = await measurePolls(monitor, world: world, cycles: cycles)
            let label = "\(count * 3) environments configured (\(count) services × 3)"
            perPoll.append((label, cost))
            print(
                "poll cycle, \(label): \(fmt(cost.calls)) API calls, \(fmt(cost.cpuMs)) ms CPU, \(fmt(cost.wallMs)) ms wall, \(fmt(cost.kilobytes)) kB received (CPU and wall: median of \(cycles))"
            )
        }
        let (large, small) = (perPoll[0].poll, perPoll[1].poll)
        print(
            "  large/small: API calls \(fmt(large.calls / small.calls, 2))×, CPU \(fmt(large.cpuMs / small.cpuMs, 2))×, bytes \(fmt(large.kilobytes / small.kilobytes, 2))×"
        )

        // Transport baseline: the same requests as one poll, sent raw (no decoding, no assessment, no store).
        do {
            let world = try World(services: smallServices, inFlight: inFlight, pollInterval: 5)
            defer { world.stop() }
            let monitor = world.monitor(rolloutPollInterval: nil)
            await monitor.pollOnce()
            world.cluster.startRecording()
            await monitor.pollOnce()
            let paths = world.cluster.stopRecording()
            let client = CurlHTTPClient()
            var cpu: [Double] = []
            for _ in 0..<max(1, cycles) {
                let start = cpuSeconds()
                for path in paths {
                    _ = try client.send(
                        HTTPClientRequest(
                            method: .get, url: world.cluster.baseURL + path,
                            headers: ["Authorization": "Bearer \(World.token)"], timeout: 10))
                }
                cpu.append((cpuSeconds() - start) * 1000)
            }
            print(
                "  baseline: the same \(paths.count) requests sent raw with libcurl, nothing decoded: \(fmt(median(cpu))) ms CPU"
            )
        }

        // Rollout complete → succeeded.
        let world = try World(services: services, inFlight: inFlight, pollInterval: 5)
        defer { world.stop() }
        try world.app.start()
        let modes: [(String, Double?, Bool)] = [
            ("default poll interval 5 s (1 s while rolling out)", nil, false),
            ("baseline: a poll every 5 s, nothing else", 5, false),
            ("Flux event", nil, true),
        ]
        for (label, rolloutPollInterval, fluxEvent) in modes {
            let monitor = world.monitor(rolloutPollInterval: rolloutPollInterval)
            let running = Task { await monitor.run() }
            // Let the monitor see every deploy once before measuring.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            var latencies: [Double] = []
            for sample in 0..<samples {
                let slot = sample % inFlight
                let cadence = rolloutPollInterval ?? monitor.rolloutPollInterval
                try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0..<cadence) * 1e9))
                let id = world.deployIds[slot]
                world.cluster.completeRollout(slot: slot)
                let start = ContinuousClock.now
                if fluxEvent { try world.sendFluxEvent(slot: slot) }
                guard try await world.waitUntilSucceeded(id, timeout: 30) else {
                    throw WatchBenchError(description: "deploy \(id) did not succeed within 30 s")
                }
                latencies.append(seconds(start.duration(to: .now)))
                try world.restartRollout(slot: slot)
            }
            running.cancel()
            await running.value
            latencies.sort()
            let median = latencies[latencies.count / 2]
            let p90 = latencies[min(latencies.count - 1, latencies.count * 9 / 10)]
            let unit = median < 0.1 ? ("ms", 1000.0) : ("s", 1.0)
            print(
                "rollout complete → succeeded, \(label): median \(fmt(median * unit.1, 3)) \(unit.0), p90 \(fmt(p90 * unit.1, 3)) \(unit.0), max \(fmt(latencies.last! * unit.1, 3)) \(unit.0) (n=\(samples))"
            )
        }
        print("  goal: ≤ 2 s with the default poll interval, less with Flux events")
    }

    // MARK: - Measuring

    struct PollCost {
        var calls: Double
        var cpuMs: Double
        var wallMs: Double
        var kilobytes: Double
    }

    /// Calls and bytes: means (they do not vary); CPU and wall time: medians (robust to a busy machine).
    static func measurePolls(_ monitor: RolloutMonitor, world: World, cycles: Int) async -> PollCost {
        var calls = 0.0
        var kilobytes = 0.0
        var cpu: [Double] = []
        var wall: [Double] = []
        for _ in 0..<max(1, cycles) {
            let callsBefore = monitor.apiCallCount
            let requests = world.cluster.requestCount
            let bytes = world.cluster.bytesSent
            let cpuBefore = cpuSeconds()
            let start = ContinuousClock.now
            await monitor.pollOnce()
            wall.append(seconds(start.duration(to: .now)) * 1000)
            cpu.append((cpuSeconds() - cpuBefore) * 1000)
            calls += Double(monitor.apiCallCount - callsBefore)
            kilobytes += Double(world.cluster.bytesSent - bytes) / 1024
            precondition(world.cluster.requestCount - requests == monitor.apiCallCount - callsBefore)
        }
        let n = Double(cpu.count)
        return PollCost(calls: calls / n, cpuMs: median(cpu), wallMs: median(wall), kilobytes: kilobytes / n)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// User + system CPU time of the whole process (the simulated API server included, which only copies
    /// pre-serialized bytes).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func fmt(_ value: Double, _ digits: Int = 1) -> String {
        guard value.isFinite else { return "-" }
        let scale = pow(10, Double(digits))
        return String((value * scale).rounded() / scale)
    }

    // MARK: - The simulated world

    /// A catalog of `services × 3` environments, a store with deploys rolling out, and a cluster that shows them.
    final class World: @unchecked Sendable {
        static let token = "bench-kubernetes-token"
        static let fluxSecret = "bench-flux-token"
        static let environments = ["dev", "staging", "prod"]

        let directory: String
        let cluster: BenchCluster
        let app: Application
        let inFlight: Int
        let smallServices: Int
        private(set) var deployIds: [String]
        private var generation = 0
        private let client = CurlHTTPClient()

        init(services: Int, inFlight: Int, pollInterval: Double) throws {
            self.inFlight = inFlight
            self.smallServices = max(1, (inFlight + 2) / 3)
            directory = NSTemporaryDirectory() + "slipway-watch-bench-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            cluster = try BenchCluster(token: Self.token)
            var catalog: [String: Any] = [:]
            for index in 0..<services {
                let service = Self.service(index)
                var environments: [String: Any] = [:]
                for env in Self.environments {
                    environments[env] = [
                        "kustomization": "clusters/\(env)/\(service)/kustomization.yaml",
                        "flux": ["kustomization": "\(service)-\(env)", "gitRepository": "gitops"],
                        "workload": ["namespace": "\(service)-\(env)", "deployment": service],
                        "deployers": ["*"], "approvers": ["U0DANA"],
                    ]
                    cluster.addKustomization(name: "\(service)-\(env)", revision: Self.sha("idle-\(service)-\(env)"))
                }
                catalog[service] = [
                    "repo": "nortinia-ltd/\(service)", "image": "ghcr.io/nortinia-ltd/\(service)",
                    "environments": environments,
                ]
            }
            let json: [String: Any] = [
                "server": ["host": "127.0.0.1", "port": 0],
                "store": ["sqlite": ["path": directory + "/bench.sqlite"]],
                "slack": [
                    "signingSecretEnv": "S", "botTokenEnv": "B", "apiBaseURL": "http://127.0.0.1:9",
                    "deployChannel": "C0",
                ],
                "ci": ["webhookSecretEnv": "W"],
                "flux": ["webhookSecretEnv": "F"],
                "gitops": [
                    "url": directory + "/gitops.git", "branch": "main", "checkout": directory + "/checkout",
                    "author": ["name": "Slipway", "email": "slipway@example.com"],
                ],
                "kubernetes": ["apiServer": cluster.baseURL, "tokenEnv": "KUBE_TOKEN"],
                "policy": [
                    "stabilityWindowSeconds": 0, "pollIntervalSeconds": pollInterval, "rolloutTimeoutSeconds": 3600,
                ],
                "services": catalog,
            ]
            let config = try ConfigLoader.parse(try JSONSerialization.data(withJSONObject: json))
            let secrets = Application.Secrets(
                signingSecret: "bench", botToken: "xoxb-bench", ciWebhookSecret: "bench-webhook",
                fluxWebhookSecret: Self.fluxSecret, pagerDutyRoutingKey: nil, databaseURL: nil)
            app = try Application(
                config: config, secrets: secrets,
                options: .init(channelPaceSeconds: 0, log: Log(minimum: .error), baseDirectory: directory),
                environment: ["KUBE_TOKEN": Self.token])
            deployIds = []
            for slot in 0..<inFlight { deployIds.append(try insertDeploy(slot: slot)) }
        }

        static func service(_ index: Int) -> String {
            let digits = String(index)
            return "svc-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }

        /// A 40-hex commit id derived from `seed`.
        static func sha(_ seed: String) -> String {
            String(HMAC.sha256Hex(key: "bench", message: Array(seed.utf8)).prefix(40))
        }

        /// The environment of an in-flight slot: the same in every catalog size.
        func environment(slot: Int) -> (service: String, env: String) {
            (Self.service(slot % smallServices), Self.environments[(slot / smallServices) % 3])
        }

        /// A rolling-out deploy in the store and in the cluster for `slot`.
        private func insertDeploy(slot: Int) throws -> String {
            generation += 1
            let (service, env) = environment(slot: slot)
            let tag = "main-\(Self.sha("tag-\(generation)").prefix(7))"
            let commit = Self.sha("commit-\(generation)")
            let now = Date()
            var deploy = Deploy(
                id: "d-bench-\(generation)", service: service, environment: env, kind: .deploy, source: .ci,
                targetTag: tag, previousTag: "main-0000000", requestedBy: "ci", state: .rollingOut,
                createdAt: now.addingTimeInterval(-30))
            deploy.gitCommit = commit
            deploy.committedAt = now.addingTimeInterval(-20)
            deploy.updatedAt = now
            try app.store.write { w in try w.insert(deploy) }
            cluster.startRollout(
                namespace: "\(service)-\(env)", deployment: service, kustomization: "\(service)-\(env)",
                image: "ghcr.io/nortinia-ltd/\(service):\(tag)", revision: commit, slot: slot)
            return deploy.id
        }

        /// Replaces the finished deploy of `slot` by a new one rolling out, so the same number stays in flight.
        func restartRollout(slot: Int) throws {
            deployIds[slot] = try insertDeploy(slot: slot)
        }

        func monitor(rolloutPollInterval: Double?) -> RolloutMonitor {
            let client = KubernetesClient(configuration: app.monitor.observer.client.configuration)
            return RolloutMonitor(
                coordinator: app.coordinator, client: client, policy: app.config.policy, branch: "main",
                wake: app.monitorWake, log: Log(minimum: .error), rolloutPollInterval: rolloutPollInterval)
        }

        /// Posts the event Flux sends when the Kustomization's health check passes at the deploy's revision.
        func sendFluxEvent(slot: Int) throws {
            let (service, env) = environment(slot: slot)
            let revision = cluster.revision(slot: slot) ?? ""
            let body = Array(
                (#"{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"\#(service)-\#(env)","#
                    + #""apiVersion":"kustomize.toolkit.fluxcd.io/v1"},"severity":"info","#
                    + #""timestamp":"2026-11-20T10:05:41Z","message":"Health check passed in 12.1s","#
                    + #""reason":"ReconciliationSucceeded","metadata":{"revision":"main@sha1:\#(revision)"},"#
                    + #""reportingController":"kustomize-controller"}"#).utf8)
            let response = try client.send(
                HTTPClientRequest(
                    method: .post, url: "http://127.0.0.1:\(app.port)/api/v1/flux/events",
                    headers: [
                        "X-Signature": "sha256=" + HMAC.sha256Hex(key: Self.fluxSecret, message: body),
                        "Content-Type": "application/json",
                    ], body: body, timeout: 5))
            guard response.status == 202 else {
                throw WatchBenchError(description: "Flux event answered \(response.status): \(response.bodyText)")
            }
        }

        func waitUntilSucceeded(_ id: String, timeout: Double) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(timeout)
            while ContinuousClock.now < deadline {
                if try app.store.read({ r in try r.deploy(id: id) })?.state == .succeeded { return true }
                try await Task.sleep(nanoseconds: 1_000_000)
            }
            return false
        }

        func stop() {
            app.drain()
            cluster.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// A benchmark setup problem.
struct WatchBenchError: Error, CustomStringConvertible {
    var description: String
}

/// A simulated Kubernetes API server with Flux for the benchmark: serves LIST (with the `metadata.name` field
/// selector and `app=` / `app in (…)` label selectors), GET and merge PATCH of the objects the rollout monitor reads,
/// from JSON serialized once per change, so serving costs little CPU next to the client's.
final class BenchCluster: @unchecked Sendable {
    private let server: HTTPServer
    private let token: String
    private let lock = NSLock()
    private var kustomizations: [String: [UInt8]] = [:]
    private var kustomizationOrder: [String] = []
    private var kustomizationList: [UInt8]?
    private var deployments: [String: [UInt8]] = [:]  // namespace → the one Deployment
    private var pods: [String: (labels: [String: String], json: [UInt8])] = [:]  // "namespace/name"
    private var slots: [Int: Slot] = [:]
    private var requests = 0
    private var bytes = 0
    private var recording: [String]?

    private struct Slot {
        var namespace: String
        var deployment: String
        var kustomization: String
        var image: String
        var revision: String
    }

    private final class HandlerBox: @unchecked Sendable {
        weak var cluster: BenchCluster?
    }

    init(token: String) throws {
        self.token = token
        let box = HandlerBox()
        server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threadCount: 2)) { request in
            box.cluster?.handle(request) ?? .text(503, "stopped")
        }
        box.cluster = self
        try server.start()
    }

    var baseURL: String { "http://127.0.0.1:\(server.port)" }
    var requestCount: Int { lock.withLock { requests } }
    var bytesSent: Int { lock.withLock { bytes } }
    func stop() { server.stop() }

    /// Records the GET requests (path and query) until `stopRecording`.
    func startRecording() { lock.withLock { recording = [] } }
    func stopRecording() -> [String] {
        lock.withLock {
            defer { recording = nil }
            return recording ?? []
        }
    }

    func revision(slot: Int) -> String? { lock.withLock { slots[slot]?.revision } }

    // MARK: Objects

    func addKustomization(name: String, revision: String) {
        lock.withLock {
            if kustomizations[name] == nil { kustomizationOrder.append(name) }
            kustomizations[name] = Self.kustomization(name: name, revision: revision)
            kustomizationList = nil
        }
    }

    /// Flux applied `revision`; the Deployment rolls out `image`: 1 of 3 pods updated, held there.
    func startRollout(
        namespace: String, deployment: String, kustomization: String, image: String, revision: String, slot: Int
    ) {
        lock.withLock {
            let slotInfo = Slot(
                namespace: namespace, deployment: deployment, kustomization: kustomization, image: image,
                revision: revision)
            slots[slot] = slotInfo
            if kustomizations[kustomization] == nil { kustomizationOrder.append(kustomization) }
            kustomizations[kustomization] = Self.kustomization(name: kustomization, revision: revision)
            kustomizationList = nil
            setWorkload(slotInfo, complete: false)
        }
    }

    /// The Deployment controller finished the rollout of `slot`: all pods new and ready, no old ones.
    func completeRollout(slot: Int) {
        lock.withLock {
            guard let slotInfo = slots[slot] else { return }
            setWorkload(slotInfo, complete: true)
        }
    }

    private func setWorkload(_ slot: Slot, complete: Bool) {
        let old = "ghcr.io/nortinia-ltd/\(slot.deployment):main-0000000"
        deployments[slot.namespace] = Self.deployment(
            namespace: slot.namespace, name: slot.deployment, image: slot.image, complete: complete)
        for key in pods.keys where key.hasPrefix(slot.namespace + "/") { pods[key] = nil }
        for index in 0..<3 {
            let image = complete || index == 0 ? slot.image : old
            let hash = String(HMAC.sha256Hex(key: "hash", message: Array(image.utf8)).prefix(10))
            let name = "\(slot.deployment)-\(hash)-\(index)"
            let labels = ["app": slot.deployment, "pod-template-hash": hash]
            pods["\(slot.namespace)/\(name)"] = (
                labels, Self.pod(namespace: slot.namespace, name: name, labels: labels, image: image)
            )
        }
    }

    // MARK: Serving

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let response = lock.withLock { () -> HTTPResponse in
            requests += 1
            if request.method == .get {
                recording?.append(request.path + (request.query.isEmpty ? "" : "?" + request.query))
            }
            guard request.headers["Authorization"] == "Bearer \(token)" else {
                return .json(401, #"{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}"#)
            }
            return route(request)
        }
        lock.withLock { bytes += response.body.count }
        return response
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        guard let index = parts.firstIndex(of: "namespaces"), index + 2 < parts.count else {
            return Self.notFound
        }
        let namespace = parts[index + 1]
        let plural = parts[index + 2]
        let name = index + 3 < parts.count ? parts[index + 3] : nil
        let query = Self.query(request.query)
        let wantedName = query["fieldSelector"].flatMap { selector -> String? in
            selector.hasPrefix("metadata.name=") ? String(selector.dropFirst("metadata.name=".count)) : nil
        }
        switch (plural, name) {
        case ("kustomizations", let name?):
            return kustomizations[name].map { .json(200, $0) } ?? Self.notFound
        case ("kustomizations", nil):
            guard namespace == "flux-system" else { return Self.list("Kustomization", []) }
            if let wantedName { return Self.list("Kustomization", kustomizations[wantedName].map { [$0] } ?? []) }
            if kustomizationList == nil {
                kustomizationList = Self.listBytes(
                    "Kustomization", kustomizationOrder.compactMap { kustomizations[$0] })
            }
            return .json(200, kustomizationList!)
        case ("gitrepositories", _):
            return .json(
                200,
                #"{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","metadata":{"name":"gitops","namespace":"flux-system"}}"#
            )
        case ("deployments", nil):
            guard let deployment = deployments[namespace] else { return Self.list("Deployment", []) }
            return Self.list("Deployment", [deployment])
        case ("pods", nil):
            let selector = Self.appSelector(query["labelSelector"] ?? "")
            let items = pods.filter { key, pod in
                key.hasPrefix(namespace + "/") && (selector.map { $0.contains(pod.labels["app"] ?? "") } ?? true)
            }.sorted { $0.key < $1.key }.map(\.value.json)
            return Self.list("Pod", items)
        case (_, nil):
            return Self.list("Object", [])
        default:
            return Self.notFound
        }
    }

    private static let notFound = HTTPResponse.json(
        404, #"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#)

    /// `app=a` or `app in (a,b)` → the values; nil for anything else (matches all).
    private static func appSelector(_ text: String) -> Set<String>? {
        if text.hasPrefix("app="), !text.contains(",") { return [String(text.dropFirst(4))] }
        if text.hasPrefix("app in ("), text.hasSuffix(")") {
            return Set(
                text.dropFirst(8).dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return nil
    }

    private static func query(_ text: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            items[parts[0].removingPercentEncoding ?? parts[0]] = parts[1].removingPercentEncoding ?? parts[1]
        }
        return items
    }

    private static func list(_ kind: String, _ items: [[UInt8]]) -> HTTPResponse { .json(200, listBytes(kind, items)) }

    private static func listBytes(_ kind: String, _ items: [[UInt8]]) -> [UInt8] {
        var body = Array(#"{"apiVersion":"v1","kind":"\#(kind)List","metadata":{"resourceVersion":"1"},"items":["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: item)
        }
        body.append(contentsOf: Array("]}".utf8))
        return body
    }

    /// A Kustomization as Flux leaves it after applying `revision` (with a typical inventory).
    private static func kustomization(name: String, revision: String) -> [UInt8] {
        let service = name.split(separator: "-").prefix(2).joined(separator: "-")
        let env = name.split(separator: "-").dropFirst(2).joined(separator: "-")
        let namespace = name
        let inventory = [
            "\(namespace)_\(service)_apps_Deployment", "\(namespace)_\(service)__Service",
            "\(namespace)_\(service)-config__ConfigMap", "\(namespace)_\(service)_policy_PodDisruptionBudget",
            "\(namespace)_\(service)_autoscaling_HorizontalPodAutoscaler",
        ].map { #"{"id":"\#($0)","v":"v1"}"# }.joined(separator: ",")
        return Array(
            (#"{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"\#(name)","#
                + #""namespace":"flux-system","generation":3,"resourceVersion":"56921","uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","#
                + #""annotations":{"reconcile.fluxcd.io/requestedAt":"2026-11-20T10:00:00.123456789Z"}},"#
                + #""spec":{"interval":"10m","path":"./clusters/\#(env)/\#(service)","prune":true,"#
                + #""sourceRef":{"kind":"GitRepository","name":"gitops"},"wait":true,"timeout":"5m"},"#
                + #""status":{"observedGeneration":3,"lastHandledReconcileAt":"2026-11-20T10:00:00.123456789Z","#
                + #""lastAppliedRevision":"main@sha1:\#(revision)","lastAttemptedRevision":"main@sha1:\#(revision)","#
                + #""conditions":[{"type":"Ready","status":"True","reason":"ReconciliationSucceeded","#
                + #""message":"Applied revision: main@sha1:\#(revision)","observedGeneration":3,"#
                + #""lastTransitionTime":"2026-11-20T10:00:41Z"},{"type":"Healthy","status":"True","#
                + #""reason":"Succeeded","message":"Health check passed in 12.1s","observedGeneration":3,"#
                + #""lastTransitionTime":"2026-11-20T10:00:41Z"}],"inventory":{"entries":[\#(inventory)]}}}"#)
                .utf8)
    }

    private static func deployment(namespace: String, name: String, image: String, complete: Bool) -> [UInt8] {
        let (replicas, updated) = complete ? (3, 3) : (4, 1)
        let progressing =
            complete
            ? #"{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable","message":"ReplicaSet has successfully progressed."}"#
            : #"{"type":"Progressing","status":"True","reason":"ReplicaSetUpdated","message":"ReplicaSet is progressing."}"#
        return Array(
            (#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"\#(name)","namespace":"\#(namespace)","#
                + #""generation":2,"resourceVersion":"1","annotations":{"deployment.kubernetes.io/revision":"2"}},"#
                + #""spec":{"replicas":3,"progressDeadlineSeconds":600,"selector":{"matchLabels":{"app":"\#(name)"}},"#
                + #""template":{"metadata":{"labels":{"app":"\#(name)"}},"spec":{"containers":[{"name":"\#(name)","#
                + #""image":"\#(image)","resources":{"requests":{"memory":"256Mi","cpu":"100m"},"limits":{"memory":"256Mi"}}}]}}},"#
                + #""status":{"observedGeneration":2,"replicas":\#(replicas),"updatedReplicas":\#(updated),"#
                + #""readyReplicas":3,"availableReplicas":3,"unavailableReplicas":\#(replicas - 3),"conditions":["#
                + #"{"type":"Available","status":"True","reason":"MinimumReplicasAvailable","message":"Deployment has minimum availability."},"#
                + progressing + "]}}").utf8)
    }

    private static func pod(namespace: String, name: String, labels: [String: String], image: String) -> [UInt8] {
        let labelText = labels.sorted { $0.key < $1.key }.map { #""\#($0.key)":"\#($0.value)""# }
            .joined(separator: ",")
        let container = labels["app"] ?? "app"
        return Array(
            (#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"\#(namespace)","#
                + #""labels":{\#(labelText)}},"spec":{"containers":[{"name":"\#(container)","image":"\#(image)","#
                + #""resources":{"requests":{"memory":"256Mi"},"limits":{"memory":"256Mi"}}}]},"#
                + #""status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},"#
                + #"{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"\#(container)","image":"\#(image)","#
                + #""ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-11-20T10:00:00Z"}},"lastState":{}}]}}"#)
                .utf8)
    }
}
