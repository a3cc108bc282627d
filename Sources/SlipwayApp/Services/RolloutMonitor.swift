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
/// Cadence: `policy.pollIntervalSeconds` while deploys wait (for Flux, or in their stability window);
/// `rolloutPollInterval` while a Deployment is rolling out, so a finished rollout is noticed within about a second;
/// at once when a stability window or a rollout timeout ends. Between polls it looks in the store (not the cluster)
/// for newly pushed deploys, so the reconcile request follows the push without waiting for the next poll.
public final class RolloutMonitor: Service {
    public var name: String { "rollout-monitor" }
    let coordinator: DeployCoordinator
    let observer: ClusterObserver
    let reconciler: FluxReconciler
    let policy: DeployPolicy
    let branch: String
    let wake: Wakeup
    let log: Log
    /// Seconds between polls while a Deployment of a watched deploy is rolling out.
    public let rolloutPollInterval: Double
    /// Seconds between store checks for newly pushed deploys.
    public let pushCheckInterval: Double
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
    ///   - rolloutPollInterval: Poll interval while a rollout is in progress; default `min(1, pollIntervalSeconds)`.
    ///   - pushCheckInterval: How often the store is checked for newly pushed deploys between polls.
    public init(
        coordinator: DeployCoordinator, client: KubernetesClient, policy: DeployPolicy, branch: String, wake: Wakeup,
        log: Log, rolloutPollInterval: Double? = nil, pushCheckInterval: Double = 0.25
    ) {
        self.coordinator = coordinator
        self.observer = ClusterObserver(client: client)
        self.reconciler = FluxReconciler(client: client)
        self.policy = policy
        self.branch = branch
        self.wake = wake
        self.log = log.with(["component": "rollout-monitor"])
        self.rolloutPollInterval = min(rolloutPollInterval ?? 1, policy.pollIntervalSeconds)
        self.pushCheckInterval = max(0.01, pushCheckInterval)
    }

    /// Kubernetes API calls made so far (for the benchmark).
    public var apiCallCount: Int { observer.apiCallCount }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let cycle = await poll()
            await waitForNextPoll(seconds: cycle.nextPollIn)
        }
    }

    /// One poll over every deploy in the cluster's hands. - Returns: the number of deploys watched.
    @discardableResult
    public func pollOnce() async -> Int {
        await poll().watched
    }

    /// What one poll saw and when the next one is due.
    struct Cycle {
        var watched: Int
        /// Seconds until the next poll.
        var nextPollIn: Double
    }

    /// Waits until the next poll is due, a Flux event signals, or a newly pushed deploy shows up in the store.
    private func waitForNextPoll(seconds: Double) async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        while !Task.isCancelled {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { return }
            let slice = min(remaining, .seconds(pushCheckInterval))
            let started = clock.now
            await wake.wait(timeout: Self.seconds(slice))
            // A timed-out wait never returns early, so an early return means a signal (or cancellation).
            if started.duration(to: clock.now) < slice { return }
            if await hasNewlyPushedDeploys() { return }
        }
    }

    /// Whether a deploy was pushed that this process has not polled yet.
    private func hasNewlyPushedDeploys() async -> Bool {
        let store = coordinator.store
        let pushed = (try? await store.executor.run { try store.read { r in try r.deploys(in: [.reconciling]) } }) ?? []
        return seen.withLock { seen in pushed.contains { $0.gitCommit != nil && !seen.contains($0.id) } }
    }

    /// The line to log for a failed call about one deploy, if any: an unreachable or failing API server counts
    /// once for all deploys (`outside`), anything else per deploy (`warnings`).
    private func warning(_ error: any Error, key: RepeatedWarnings.Key, detail: String, now: Date) -> String? {
        if let error = error as? KubernetesError, error.isRetryable {
            return outside.failure(Self.kubernetesAPI, detail + "; one line per 10 min while it lasts", now: now)
        }
        return warnings.failure(key, detail, now: now)
    }

    private func poll() async -> Cycle {
        let idle = Cycle(watched: 0, nextPollIn: policy.pollIntervalSeconds)
        let watched: [Deploy]
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
        seen.withLock { $0.formIntersection(ids) }
        reconciled.withLock { $0.formIntersection(ids) }
        warnings.retain(subjects: ids)
        guard !watched.isEmpty else { return idle }
        let now = coordinator.clock()
        var targets: [WatchTarget] = []
        for deploy in watched {
            seen.withLock { _ = $0.insert(deploy.id) }
            let about = deploy.logMetadata
            guard let service = coordinator.catalog.services[deploy.service],
                let env = service.environments[deploy.environment], let commit = deploy.gitCommit
            else { continue }
            if !reconciled.withLock({ $0.contains(deploy.id) }) {
                let key = RepeatedWarnings.Key(what: "reconcile request", subject: deploy.id)
                do {
                    _ = try await reconciler.requestReconcile(
                        gitRepository: env.flux.gitRepository, kustomization: env.flux.kustomization,
                        namespace: env.flux.namespace, at: now)
                    reconciled.withLock { _ = $0.insert(deploy.id) }
                    if let line = warnings.success(key, now: now) { log.info(line, metadata: about) }
                    if let line = outside.success(Self.kubernetesAPI, now: now) { log.info(line) }
                } catch {
                    let detail = "\(error) (Flux will still pick the commit up at its interval)"
                    if let line = warning(error, key: key, detail: detail, now: now) {
                        log.warning(line, metadata: about)
                    }
                }
            }
            targets.append(
                WatchTarget(
                    deploy: WatchedDeploy(
                        deployId: deploy.id, commit: commit, branch: branch,
                        expectedImage: "\(service.image):\(deploy.targetTag)",
                        startedAt: deploy.committedAt ?? deploy.createdAt, rolledOutAt: deploy.rolledOutAt),
                    flux: env.flux, workload: env.workload, policy: RolloutPolicy(policy)))
        }
        let poll = await observer.poll(targets, now: now)
        for deploy in watched {
            let key = RepeatedWarnings.Key(what: "cluster poll", subject: deploy.id)
            if let error = poll.errors[deploy.id] {
                if let line = warning(error, key: key, detail: "\(error)", now: now) {
                    log.warning(line, metadata: deploy.logMetadata)
                }
            } else {
                if let line = warnings.success(key, now: now) { log.info(line, metadata: deploy.logMetadata) }
                if let line = outside.success(Self.kubernetesAPI, now: now) { log.info(line) }
            }
        }
        var next = policy.pollIntervalSeconds
        for deploy in watched {
            guard let observation = poll.observations[deploy.id] else { continue }
            if let evidence = poll.failureEvidence[deploy.id] { await keepDiagnosis(evidence, of: deploy) }
            let current = await advance(deploy, to: observation) ?? deploy
            switch observation {
            case .applied, .rollingOut: next = min(next, rolloutPollInterval)
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
            events.append(.stable)
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
            reconciled.withLock { _ = $0.remove(deploy.id) }
            seen.withLock { _ = $0.remove(deploy.id) }
        }
        return current
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
