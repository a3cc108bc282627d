import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwaySlack
import SlipwayStore
import Synchronization

/// Watches every deploy that is in the cluster's hands: asks Flux to reconcile the pushed commit now, then polls
/// for all deploys in flight together (LIST per namespace, not per pod) and moves each deploy through
/// applied → rolled out → stable, or to failed with a diagnosed cause. A Flux event wakes it early.
/// State lives in the store, so after a restart it resumes the same deploys and ends each exactly once.
///
/// Cadence: `policy.pollIntervalSeconds` while deploys sit in their stability window; `rolloutPollInterval` while
/// a deploy is reconciling (waiting for Flux) or a workload is rolling out, so a finished reconcile or rollout is
/// noticed within about a second;
/// at once when a stability window or a rollout timeout ends. Between polls it looks in the store (not the cluster)
/// for newly pushed deploys, so the reconcile request follows the push without waiting for the next poll.
public final class RolloutMonitor: Service {
    public var name: String { "rollout-monitor" }
    let coordinator: DeployCoordinator
    /// The first cluster's observer and reconciler (the default `kubernetes` cluster when environments use it).
    let observer: ClusterObserver
    let reconciler: FluxReconciler
    /// Every cluster, each watched by its own poller: one that cannot be reached never delays the others.
    let clusters: [ClusterWatch]
    /// Which clusters cannot be reached, since when (for `/status`).
    public let health: ClusterHealth
    let policy: DeployPolicy
    let branch: String
    let wake: Wakeup
    let log: Log
    /// Seconds between polls while a Deployment of a watched deploy is rolling out.
    public let rolloutPollInterval: Double
    /// The image each deploy's commit produces (a registry mirror's `newName`), which the watch expects.
    let producedImages: ProducedImages
    /// Deploys Flux was asked to reconcile.
    private let reconciled = Mutex<Set<String>>([])
    /// Deploys polled at least once by this process (a failed reconcile request is retried at the next poll,
    /// not at every store check).
    private let seen = Mutex<Set<String>>([])
    /// Reconcile requests and cluster polls that keep failing are logged once a minute, not at every poll.
    private let warnings = RepeatedWarnings()
    /// An API server that cannot be reached (or answers 5xx) is one warning for every deploy and call, at most one
    /// line per 10 minutes; other failures (403, 404) are warned about per deploy, every minute.
    private let outside = RepeatedWarnings(interval: RepeatedWarnings.outsideServiceInterval)
    private static let kubernetesAPI = RepeatedWarnings.outsideService("Kubernetes API")

    /// - Parameters:
    ///   - client: The top-level `kubernetes` cluster's client (environments without `cluster`); nil when every
    ///     environment names a cluster of `clusters`.
    ///   - rolloutPollInterval: Poll interval while a rollout is in progress; default `min(1, pollIntervalSeconds)`.
    ///   - clusters: The named clusters' clients (`clusters.<name>`), each polled on its own.
    ///   - health: Where unreachable clusters are recorded.
    public init(
        coordinator: DeployCoordinator, client: KubernetesClient?, policy: DeployPolicy, branch: String, wake: Wakeup,
        log: Log, rolloutPollInterval: Double? = nil,
        clusters: [String: KubernetesClient] = [:], health: ClusterHealth = ClusterHealth(),
        producedImages: ProducedImages = ProducedImages()
    ) {
        self.producedImages = producedImages
        self.coordinator = coordinator
        var clients = clusters.sorted { $0.key < $1.key }.map { (name: $0.key, client: $0.value) }
        if let client { clients.insert((SlipwayConfig.defaultClusterName, client), at: 0) }
        precondition(!clients.isEmpty, "RolloutMonitor needs at least one cluster")
        // One cluster waits on `wake` itself; several get their own, and `run` passes each Flux event on to all.
        self.clusters = clients.map { item in
            ClusterWatch(
                name: item.name, observer: ClusterObserver(client: item.client),
                reconciler: FluxReconciler(client: item.client), wake: clients.count == 1 ? wake : Wakeup(),
                apiKey: clients.count == 1
                    ? Self.kubernetesAPI : RepeatedWarnings.outsideService("Kubernetes API of cluster \(item.name)"))
        }
        self.observer = self.clusters[0].observer
        self.reconciler = self.clusters[0].reconciler
        self.health = health
        self.policy = policy
        self.branch = branch
        self.wake = wake
        self.log = log.with(["component": "rollout-monitor"])
        self.rolloutPollInterval = min(rolloutPollInterval ?? 1, policy.pollIntervalSeconds)
    }

    /// Kubernetes API calls made so far, all clusters together (for the benchmark).
    public var apiCallCount: Int { clusters.reduce(0) { $0 + $1.observer.apiCallCount } }

    /// Runs until cancelled: one poller per cluster.
    public func run() async {
        guard clusters.count > 1 else { return await watch(clusters[0]) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // A Flux event (or a test) signals `wake`; every cluster's poller looks.
                while !Task.isCancelled {
                    await self.wake.wait(timeout: 3600)
                    for cluster in self.clusters { cluster.wake.signal() }
                }
            }
            for cluster in clusters { group.addTask { await self.watch(cluster) } }
        }
    }

    /// Polls one cluster until cancelled.
    private func watch(_ cluster: ClusterWatch) async {
        while !Task.isCancelled {
            let cycle = await poll(cluster)
            await waitForNextPoll(seconds: cycle.nextPollIn, cluster: cluster)
        }
    }

    /// One poll over every deploy in the clusters' hands, all clusters at once. - Returns: the number of deploys
    /// watched.
    @discardableResult
    public func pollOnce() async -> Int {
        await withTaskGroup(of: Int.self) { group in
            for cluster in clusters { group.addTask { await self.poll(cluster).watched } }
            return await group.reduce(0, +)
        }
    }

    /// What one poll saw and when the next one is due.
    struct Cycle {
        var watched: Int
        /// Seconds until the next poll.
        var nextPollIn: Double
    }

    /// Waits until the next poll is due, or a Flux event or a new push (the coordinator's `.reconcile`) signals.
    private func waitForNextPoll(seconds: Double, cluster: ClusterWatch) async {
        await cluster.wake.wait(timeout: seconds)
    }

    /// Whether the deploy's environment runs in the cluster.
    private func isWatched(_ deploy: Deploy, by cluster: ClusterWatch) -> Bool {
        guard clusters.count > 1 else { return true }
        guard let env = coordinator.catalog[deploy.target] else {
            return false
        }
        return SlipwayConfig.clusterName(of: env) == cluster.name
    }

    /// The line to log for a failed call about one deploy, if any: an unreachable or failing API server counts
    /// once for all deploys (`outside`), anything else per deploy (`warnings`).
    private func warning(
        _ error: any Error, key: RepeatedWarnings.Key, detail: String, now: Date,
        api: RepeatedWarnings.Key = RolloutMonitor.kubernetesAPI
    ) -> String? {
        if let error = error as? KubernetesError, error.isRetryable {
            return outside.failure(api, detail + "; one line per 10 min while it lasts", now: now)
        }
        return warnings.failure(key, detail, now: now)
    }

    private func poll(_ cluster: ClusterWatch) async -> Cycle {
        let observer = cluster.observer
        let reconciler = cluster.reconciler
        let idle = Cycle(watched: 0, nextPollIn: policy.pollIntervalSeconds)
        var watched: [Deploy]
        do {
            // On the store's own threads (`StoreExecutor`), never blocking the cooperative pool.
            let store = coordinator.store
            watched = try await store.executor.run {
                try store.read { r in try r.deploys(in: [.reconciling, .rollingOut, .verifying]) }
            }.filter { $0.gitCommit != nil }
        } catch {
            log.error("cannot read the store: \(error)")
            return idle
        }
        // Forget deploys that ended some other way (superseded, cancelled, ended by another replica).
        let ids = Set(watched.map(\.id))
        let pushes = Set(watched.map(\.pushKey))
        seen.withLock { $0.formIntersection(pushes) }
        reconciled.withLock { $0.formIntersection(pushes) }
        warnings.retain(subjects: ids)
        producedImages.retain(deployIds: ids)
        watched = watched.filter { isWatched($0, by: cluster) }
        guard !watched.isEmpty else { return idle }
        let now = coordinator.clock()
        var targets: [WatchTarget] = []
        for deploy in watched {
            seen.withLock { _ = $0.insert(deploy.pushKey) }
            let about = deploy.logMetadata
            guard let service = coordinator.catalog.services[deploy.service],
                let env = service.environments[deploy.environment], let commit = deploy.gitCommit
            else { continue }
            if !reconciled.withLock({ $0.contains(deploy.pushKey) }) {
                let key = RepeatedWarnings.Key(what: "reconcile request", subject: deploy.id)
                do {
                    let flux = env.flux(for: deploy)  // the canary's in the canary phase
                    _ = try await reconciler.requestReconcile(
                        gitRepository: flux.gitRepository, kustomization: flux.kustomization,
                        namespace: flux.namespace, at: now)
                    if !deploy.isCanaryPhase, let helmRelease = Self.helmRelease(env) {
                        do {
                            try await reconciler.requestReconcile(helmRelease: helmRelease, at: now)
                        } catch {
                            // The generation the Kustomization applies triggers helm-controller anyway.
                            log.info("HelmRelease reconcile request failed: \(error)", metadata: about)
                        }
                    }
                    reconciled.withLock { _ = $0.insert(deploy.pushKey) }
                    if let line = warnings.success(key, now: now) { log.info(line, metadata: about) }
                    if let line = outside.success(cluster.apiKey, now: now) { log.info(line) }
                } catch {
                    let detail = "\(error) (Flux will still pick the commit up at its interval)"
                    if let line = warning(error, key: key, detail: detail, now: now, api: cluster.apiKey) {
                        log.warning(line, metadata: about)
                    }
                }
            }
            targets.append(
                WatchTarget(
                    deploy: WatchedDeploy(
                        deployId: deploy.id, commit: commit, branch: branch,
                        expectedImage: await producedImages.expectedImage(
                            for: deploy, service: service, environment: env),
                        startedAt: deploy.committedAt ?? deploy.createdAt, rolledOutAt: deploy.rolledOutAt),
                    flux: env.flux(for: deploy), workload: env.workload(for: deploy),
                    otherWorkloads: deploy.isCanaryPhase ? [] : env.otherWorkloads,
                    policy: RolloutPolicy(policy), helmRelease: deploy.isCanaryPhase ? nil : Self.helmRelease(env)))
        }
        let poll = await observer.poll(targets, now: now)
        record(poll, of: cluster, now: now)
        for deploy in watched {
            let key = RepeatedWarnings.Key(what: "cluster poll", subject: deploy.id)
            if let error = poll.errors[deploy.id] {
                if let line = warning(error, key: key, detail: "\(error)", now: now, api: cluster.apiKey) {
                    log.warning(line, metadata: deploy.logMetadata)
                }
            } else {
                if let line = warnings.success(key, now: now) { log.info(line, metadata: deploy.logMetadata) }
                if let line = outside.success(cluster.apiKey, now: now) { log.info(line) }
            }
        }
        var next = policy.pollIntervalSeconds
        for deploy in watched {
            guard let observation = poll.observations[deploy.id] else { continue }
            if let evidence = poll.failureEvidence[deploy.id] { await keepDiagnosis(evidence, of: deploy) }
            let current = await advance(deploy, to: observation) ?? deploy
            switch observation {
            // Reconciling (waiting for Flux to apply) is as close to done as rolling out: poll as often.
            case .waitingForFlux, .applied, .rollingOut: next = min(next, rolloutPollInterval)
            default: break
            }
            // Be there when a stability window or a rollout timeout ends.
            let due: Date? =
                switch current.state {
                case .verifying: current.rolledOutAt.map { $0.addingTimeInterval(policy.stabilityWindowSeconds) }
                case .reconciling, .rollingOut:
                    (current.committedAt ?? current.createdAt).addingTimeInterval(policy.rolloutTimeoutSeconds)
                default: nil
                }
            if let due, due > now { next = min(next, due.timeIntervalSince(coordinator.clock()) + 0.01) }
        }
        return Cycle(watched: targets.count, nextPollIn: max(0.01, next))
    }

    /// Keeps the whole diagnosis of a failing deploy for its thread log (a week), before the failure is recorded.
    private func keepDiagnosis(_ evidence: ClusterEvidence, of deploy: Deploy) async {
        let text = DiagnosisReport.text(evidence)
        guard !text.isEmpty else { return }
        let store = coordinator.store
        let expires = coordinator.clock().addingTimeInterval(7 * 86_400)
        _ = try? await store.executor.run {
            try store.write { w in
                try w.setCachedValue(
                    key: DiagnosisReport.cacheKey(deployId: deploy.id), value: text, expiresAt: expires)
            }
        }
    }

    /// Applies the transitions that take the stored deploy to what the cluster shows.
    /// - Returns: The deploy after the last transition applied, or nil when none applied.
    private func advance(_ deploy: Deploy, to observation: RolloutObservation) async -> Deploy? {
        var events: [DeployStateMachine.Event] = []
        let state = deploy.state
        switch observation {
        case .waitingForFlux:
            break
        case .applied:
            if state == .reconciling { events = [.applied] }
        case .rollingOut:
            if state == .reconciling { events.append(.applied) }
            // Only a change: the same progress again would still store a version and an audit event every poll.
            if let progress = observation.progress, progress != deploy.progress { events.append(.progress(progress)) }
        case .rolledOut:
            if state == .reconciling { events.append(.applied) }
            if state != .verifying { events.append(.rolledOut) }
        case .stable:
            if state == .reconciling { events.append(.applied) }
            if state != .verifying { events.append(.rolledOut) }
            // With `verify`, the verification monitor ends the deploy when its checks have passed the window.
            let env = coordinator.catalog[deploy.target]
            if env?.verify(for: deploy) == nil { events.append(.stable) }
        case .superseded(let replacement):
            // Someone else's rollout replaced ours: the deploy ends without a failure and without a page.
            events = [.supersede(by: SlackText.escape(replacement))]
        case .failed(let cause):
            events = [
                .fail(
                    FailureRecord(cause: cause.code, title: cause.title, summary: cause.summary, runbook: cause.runbook)
                )
            ]
        }
        var current: Deploy?
        for event in events {
            do {
                current = try await coordinator.apply(event, deployId: deploy.id, actor: "slipway")
            } catch is TransitionError {
                break  // someone else moved it (superseded, cancelled); nothing to do
            } catch {
                log.error("cannot record \(event): \(error)", metadata: deploy.logMetadata)
                return current
            }
        }
        if observation.deployState.isTerminal {
            reconciled.withLock { _ = $0.remove(deploy.pushKey) }
            seen.withLock { _ = $0.remove(deploy.pushKey) }
        }
        return current
    }
}
