import DeployCore
import Foundation
import SlipwayApp
import SlipwayCrypto
import SlipwayHTTP
import SlipwayKubernetes
import SlipwayStore
import SlipwayTesting

#if canImport(Glibc)
    import Glibc
#endif

/// `slipway-bench watch`: the rollout monitor against a simulated cluster with many services configured and
/// deploys in flight.
///
/// The cluster is `FakeKubernetes` (the fake the tests use), holding each rollout until the benchmark completes it.
/// Prints, per poll cycle, the Kubernetes API calls and the CPU time of `RolloutMonitor.pollOnce()` with a large and
/// a small catalog watching the same deploys (the small one is the in-run baseline: calls must not grow with idle
/// services), then the time from the cluster reporting a rollout complete to the deploy being marked succeeded
/// (stability window 0), with the default poll interval and with a Flux event.
enum WatchBench {
    /// Runs the benchmark and prints plain numbers.
    /// - Parameters:
    ///   - services: Services in the large catalog (each with 3 environments).
    ///   - smallServices: Services in the baseline catalog; at least `inFlight / 3` so every deploy has its own
    ///     environment.
    ///   - inFlight: Deploys rolling out at once.
    ///   - cycles: Poll cycles measured per catalog.
    ///   - samples: Rollouts completed per latency measurement.
    ///   - clusters: Clusters (each its own fake API server) the environments are spread over in the last section:
    ///     `dev` in the first, `staging` in the second, `prod` in the third (cycling for more than 3).
    static func run(
        services: Int = 1000, smallServices: Int = 20, inFlight: Int = 50, cycles: Int = 20, samples: Int = 10,
        clusters: Int = 3
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
            let first = world.cluster.server.requestCount
            await monitor.pollOnce()
            let paths = world.cluster.server.exchanges.dropFirst(first).filter { $0.request.method == .get }.map {
                $0.request.path + ($0.request.query.isEmpty ? "" : "?" + $0.request.query)
            }
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
                world.completeRollout(slot: slot)
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

        try await runClusters(services: services, inFlight: inFlight, cycles: cycles, samples: samples, count: clusters)
    }

    /// The same catalog over several clusters, each watched by its own poller: API calls per poll (all clusters
    /// together, and per cluster) and rollout complete → succeeded.
    static func runClusters(services: Int, inFlight: Int, cycles: Int, samples: Int, count: Int) async throws {
        guard count > 1 else { return }
        let world = try World(services: services, inFlight: inFlight, pollInterval: 5, clusters: count)
        defer { world.stop() }
        let monitor = world.monitor(rolloutPollInterval: nil)
        await monitor.pollOnce()  // first sight: the reconcile requests
        let cost = await measurePolls(monitor, world: world, cycles: cycles)
        let perCluster = world.clusters.map { fake in
            Double(fake.totalRequests)
        }
        print(
            "poll cycle over \(count) clusters, \(services * 3) environments configured (\(services) services × 3): \(fmt(cost.calls)) API calls (\(fmt(cost.calls / Double(count))) per cluster), \(fmt(cost.cpuMs)) ms CPU, \(fmt(cost.wallMs)) ms wall (median of \(cycles))"
        )
        print("  requests served per cluster so far: \(perCluster.map { fmt($0, 0) }.joined(separator: ", "))")
        try world.app.start()
        let running = Task { await monitor.run() }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        var latencies: [Double] = []
        var calls: [Double] = []
        for sample in 0..<samples {
            let slot = sample % inFlight
            try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0..<monitor.rolloutPollInterval) * 1e9))
            let id = world.deployIds[slot]
            let before = monitor.apiCallCount
            world.completeRollout(slot: slot)
            let start = ContinuousClock.now
            guard try await world.waitUntilSucceeded(id, timeout: 30) else {
                throw WatchBenchError(description: "deploy \(id) did not succeed within 30 s")
            }
            latencies.append(seconds(start.duration(to: .now)))
            calls.append(Double(monitor.apiCallCount - before))
            try world.restartRollout(slot: slot)
        }
        running.cancel()
        await running.value
        latencies.sort()
        let median = latencies[latencies.count / 2]
        let p90 = latencies[min(latencies.count - 1, latencies.count * 9 / 10)]
        print(
            "rollout complete → succeeded over \(count) clusters (1 s cadence while rolling out): median \(fmt(median, 3)) s, p90 \(fmt(p90, 3)) s, max \(fmt(latencies.last!, 3)) s (n=\(samples)); API calls while waiting: median \(fmt(Self.median(calls), 0))"
        )
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
            let requests = world.requestCount
            let bytes = world.bytesSent
            let cpuBefore = cpuSeconds()
            let start = ContinuousClock.now
            await monitor.pollOnce()
            wall.append(seconds(start.duration(to: .now)) * 1000)
            cpu.append((cpuSeconds() - cpuBefore) * 1000)
            calls += Double(monitor.apiCallCount - callsBefore)
            kilobytes += Double(world.bytesSent - bytes) / 1024
            precondition(world.requestCount - requests == monitor.apiCallCount - callsBefore)
        }
        let n = Double(cpu.count)
        return PollCost(calls: calls / n, cpuMs: median(cpu), wallMs: median(wall), kilobytes: kilobytes / n)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }

    /// User + system CPU time of the whole process, the fake API server's included (the raw-request baseline pays
    /// for it too).
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
    final class World {
        static let token = "bench-kubernetes-token"
        static let fluxSecret = "bench-flux-token"
        static let environments = ["dev", "staging", "prod"]

        let directory: String
        /// The first cluster (the top-level `kubernetes` one).
        var cluster: FakeKubernetes { clusters[0] }
        /// Every cluster: environment `dev` in the first, `staging` in the second, `prod` in the third.
        let clusters: [FakeKubernetes]
        let app: Application
        let inFlight: Int
        let smallServices: Int
        private(set) var deployIds: [String]
        private var generation = 0
        private var deployments: Set<String> = []  // namespaces with their Deployment in the cluster
        private var revisions: [Int: String] = [:]  // slot → the commit its deploy rolls out
        private let client = CurlHTTPClient()

        init(services: Int, inFlight: Int, pollInterval: Double, clusters clusterCount: Int = 1) throws {
            self.inFlight = inFlight
            self.smallServices = max(1, (inFlight + 2) / 3)
            directory = NSTemporaryDirectory() + "slipway-watch-bench-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Rollouts are held (`.hold`) until `completeRollout(slot:)`: 1 of 3 pods updated until then.
            clusters = try (0..<max(1, clusterCount)).map { _ in
                try FakeKubernetes(token: Self.token, rolloutSteps: 1_000_000)
            }
            var catalog: [String: Any] = [:]
            for index in 0..<services {
                let service = Self.service(index)
                var environments: [String: Any] = [:]
                for env in Self.environments {
                    var entry: [String: Any] = [
                        "kustomization": "clusters/\(env)/\(service)/kustomization.yaml",
                        "flux": ["kustomization": "\(service)-\(env)", "gitRepository": "gitops"],
                        "workload": ["namespace": "\(service)-\(env)", "deployment": service],
                        "deployers": ["*"], "approvers": ["U0DANA"],
                    ]
                    let clusterIndex = Self.clusterIndex(env: env, count: clusters.count)
                    if clusterIndex > 0 { entry["cluster"] = "c\(clusterIndex)" }
                    environments[env] = entry
                    clusters[clusterIndex].applied(
                        kustomization: "\(service)-\(env)", gitRepository: "gitops",
                        path: "clusters/\(env)/\(service)/kustomization.yaml",
                        revision: Self.sha("idle-\(service)-\(env)"))
                }
                catalog[service] = [
                    "repo": "nortinia-ltd/\(service)", "image": "ghcr.io/nortinia-ltd/\(service)",
                    "environments": environments,
                ]
            }
            var named: [String: Any] = [:]
            for index in clusters.indices.dropFirst() {
                named["c\(index)"] = ["apiServer": clusters[index].baseURL, "tokenEnv": "KUBE_TOKEN"]
            }
            var json: [String: Any] = [
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
                "kubernetes": ["apiServer": clusters[0].baseURL, "tokenEnv": "KUBE_TOKEN"],
                "policy": [
                    "stabilityWindowSeconds": 0, "pollIntervalSeconds": pollInterval, "rolloutTimeoutSeconds": 3600,
                ],
                "services": catalog,
            ]
            if !named.isEmpty { json["clusters"] = named }
            let config = try ConfigLoader.parse(try JSONSerialization.data(withJSONObject: json))
            let secrets = try Application.Secrets.load(
                config,
                environment: [
                    "S": "bench", "B": "xoxb-bench", "W": "bench-webhook", "F": Self.fluxSecret,
                    "KUBE_TOKEN": Self.token,
                ])
            app = try Application(
                config: config, secrets: secrets,
                options: .init(channelPaceSeconds: 0, log: Log(minimum: .error), baseDirectory: directory),
                environment: ["KUBE_TOKEN": Self.token])
            deployIds = []
            for slot in 0..<inFlight { deployIds.append(try insertDeploy(slot: slot)) }
        }

        /// The cluster of an environment: `dev`, `staging`, `prod` → 0, 1, 2 (modulo the count).
        static func clusterIndex(env: String, count: Int) -> Int {
            (environments.firstIndex(of: env) ?? 0) % max(1, count)
        }

        /// The fake API server an environment's objects live in.
        func fake(_ env: String) -> FakeKubernetes { clusters[Self.clusterIndex(env: env, count: clusters.count)] }

        /// Requests served and bytes sent by all clusters.
        var requestCount: Int { clusters.reduce(0) { $0 + $1.server.requestCount } }
        var bytesSent: Int { clusters.reduce(0) { $0 + $1.server.bytesSent } }

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
            // Flux applied the commit; the Deployment rolls out its image: 1 of 3 pods updated, held there.
            let namespace = "\(service)-\(env)"
            let cluster = fake(env)
            if !deployments.contains(namespace) {
                deployments.insert(namespace)
                cluster.addDeployment(
                    namespace: namespace, name: service, image: "ghcr.io/nortinia-ltd/\(service):main-0000000",
                    memoryLimit: "256Mi")
                cluster.script(namespace: namespace, deployment: service, outcome: .hold)
            }
            cluster.applied(
                kustomization: "\(service)-\(env)", gitRepository: "gitops",
                path: "clusters/\(env)/\(service)/kustomization.yaml", revision: commit)
            cluster.rollOut(namespace: namespace, deployment: service, image: "ghcr.io/nortinia-ltd/\(service):\(tag)")
            revisions[slot] = commit
            return deploy.id
        }

        /// The Deployment controller finished the rollout of `slot`: all pods new and ready, no old ones.
        func completeRollout(slot: Int) {
            let (service, env) = environment(slot: slot)
            fake(env).completeRollout(namespace: "\(service)-\(env)", deployment: service)
        }

        /// Replaces the finished deploy of `slot` by a new one rolling out, so the same number stays in flight.
        func restartRollout(slot: Int) throws {
            deployIds[slot] = try insertDeploy(slot: slot)
        }

        func monitor(rolloutPollInterval: Double?) -> RolloutMonitor {
            func client(_ fake: FakeKubernetes) -> KubernetesClient {
                KubernetesClient(
                    configuration: KubernetesConfiguration(baseURL: fake.baseURL, token: .fixed(Self.token)))
            }
            var named: [String: KubernetesClient] = [:]
            for index in clusters.indices.dropFirst() { named["c\(index)"] = client(clusters[index]) }
            return RolloutMonitor(
                coordinator: app.coordinator, client: client(cluster), policy: app.config.policy, branch: "main",
                wake: app.monitorWake, log: Log(minimum: .error), rolloutPollInterval: rolloutPollInterval,
                clusters: named)
        }

        /// Posts the event Flux sends when the Kustomization's health check passes at the deploy's revision.
        func sendFluxEvent(slot: Int) throws {
            let (service, env) = environment(slot: slot)
            let revision = revisions[slot] ?? ""
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
            for cluster in clusters { cluster.stop() }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// A benchmark setup problem.
struct WatchBenchError: Error, CustomStringConvertible {
    var description: String
}
