import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayStore

/// Watches every deploy that is in the cluster's hands: asks Flux to reconcile the pushed commit now, then polls
/// once per interval for all deploys in flight together (LIST per namespace, not per pod) and moves each deploy
/// through applied → rolled out → stable, or to failed with a diagnosed cause. A Flux event wakes it early.
/// State lives in the store, so after a restart it resumes the same deploys and ends each exactly once.
public final class RolloutMonitor: Sendable {
    let coordinator: DeployCoordinator
    let observer: ClusterObserver
    let reconciler: FluxReconciler
    let policy: DeployPolicy
    let branch: String
    let wake: Wakeup
    let log: Log
    private let reconciled = LockedSet()

    public init(
        coordinator: DeployCoordinator, client: KubernetesClient, policy: DeployPolicy, branch: String, wake: Wakeup,
        log: Log
    ) {
        self.coordinator = coordinator
        self.observer = ClusterObserver(client: client)
        self.reconciler = FluxReconciler(client: client)
        self.policy = policy
        self.branch = branch
        self.wake = wake
        self.log = log
    }

    /// Kubernetes API calls made so far (for the benchmark).
    public var apiCallCount: Int { observer.apiCallCount }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await pollOnce()
            await wake.wait(timeout: policy.pollIntervalSeconds)
        }
    }

    /// One poll over every deploy in the cluster's hands. - Returns: the number of deploys watched.
    @discardableResult
    public func pollOnce() async -> Int {
        let watched: [Deploy]
        do {
            watched = try coordinator.store.read { r in try r.deploys(in: [.reconciling, .rollingOut, .verifying]) }
                .filter { $0.gitCommit != nil }
        } catch {
            log.error("rollout monitor cannot read the store: \(error)")
            return 0
        }
        guard !watched.isEmpty else { return 0 }
        let now = coordinator.clock()
        var targets: [WatchTarget] = []
        for deploy in watched {
            guard let service = coordinator.catalog.services[deploy.service],
                let env = service.environments[deploy.environment], let commit = deploy.gitCommit
            else { continue }
            if !reconciled.contains(deploy.id) {
                do {
                    _ = try await reconciler.requestReconcile(
                        gitRepository: env.flux.gitRepository, kustomization: env.flux.kustomization,
                        namespace: env.flux.namespace, at: now)
                    reconciled.insert(deploy.id)
                } catch {
                    log.warning(
                        "\(deploy.id): reconcile request failed (Flux will still pick the commit up at its interval): \(error)"
                    )
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
        for (id, error) in poll.errors {
            log.warning("\(id): cluster poll failed: \(error)")
        }
        for deploy in watched {
            guard let observation = poll.observations[deploy.id] else { continue }
            advance(deploy, to: observation)
        }
        return targets.count
    }

    /// Applies the transitions that take the stored deploy to what the cluster shows.
    private func advance(_ deploy: Deploy, to observation: RolloutObservation) {
        var events: [DeployStateMachine.Event] = []
        let state = deploy.state
        switch observation {
        case .waitingForFlux:
            break
        case .applied:
            if state == .reconciling { events = [.applied] }
        case .rollingOut:
            if state == .reconciling { events.append(.applied) }
            if let progress = observation.progress { events.append(.progress(progress)) }
        case .rolledOut:
            if state == .reconciling { events.append(.applied) }
            if state != .verifying { events.append(.rolledOut) }
        case .stable:
            if state == .reconciling { events.append(.applied) }
            if state != .verifying { events.append(.rolledOut) }
            events.append(.stable)
        case .failed(let cause):
            events = [
                .fail(
                    FailureRecord(cause: cause.code, title: cause.title, summary: cause.summary, runbook: cause.runbook)
                )
            ]
        }
        for event in events {
            do {
                _ = try coordinator.apply(event, deployId: deploy.id, actor: "slipway")
            } catch is TransitionError {
                break  // someone else moved it (superseded, cancelled); nothing to do
            } catch {
                log.error("\(deploy.id): cannot record \(event): \(error)")
                return
            }
        }
        if observation.deployState.isTerminal { reconciled.remove(deploy.id) }
    }
}

/// A thread-safe set of ids.
final class LockedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var items: Set<String> = []
    func contains(_ id: String) -> Bool { lock.withLock { items.contains(id) } }
    func insert(_ id: String) { _ = lock.withLock { items.insert(id) } }
    func remove(_ id: String) { _ = lock.withLock { items.remove(id) } }
}
