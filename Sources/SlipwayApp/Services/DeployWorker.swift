import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayStore
import Synchronization

/// Carries deploys through the steps that need git: commits approved deploys to the GitOps repository, and expires
/// approvals. It reads its work from the store, so a restart resumes where the last process stopped.
///
/// Queued deploys of one environment coalesce: only the newest is committed, and it supersedes the others (each
/// names it). A burst of CI webhooks therefore makes one commit, or two when the burst arrives while a commit is
/// being pushed; a CI deploy younger than `coalesceSeconds` waits that long for the rest of its burst.
public final class DeployWorker: Service {
    public var name: String { "deploy-worker" }
    let coordinator: DeployCoordinator
    let gitops: GitOpsRepository
    let log: Log
    let maxTransientAttempts = 5
    /// Failed commit attempts per deploy id.
    private let attempts = Mutex<[String: Int]>([:])
    /// When this worker last started running: a deploy left in `committing` before then may have been pushed by
    /// an earlier process, or by the replica that led before this one.
    private let runningSince = Mutex(Date())

    /// How long a freshly queued CI deploy waits for newer webhooks of the same burst before it is committed.
    public let coalesceSeconds: Double
    /// Runs environments' pre-deploy steps (migrations) before the application's commit; nil runs none.
    let preDeploy: PreDeploySteps?
    /// Pre-deploy runs in progress by environment (`service/env`), and deploys whose steps completed.
    private let preDeployRuns = Mutex<(running: [EnvironmentKey: Task<Void, Never>], completed: Set<String>)>(([:], []))

    /// Where each commit's produced image is recorded for the rollout watch.
    let producedImages: ProducedImages

    public init(
        coordinator: DeployCoordinator, gitops: GitOpsRepository, log: Log, coalesceSeconds: Double = 0.2,
        producedImages: ProducedImages = ProducedImages(), preDeploy: PreDeploySteps? = nil
    ) {
        self.preDeploy = preDeploy
        self.coordinator = coordinator
        self.gitops = gitops
        self.producedImages = producedImages
        self.log = log.with(["component": "deploy-worker"])
        self.coalesceSeconds = max(0, coalesceSeconds)
    }

    /// Runs until cancelled.
    public func run() async {
        runningSince.withLock { $0 = Date() }
        while !Task.isCancelled {
            await processOnce()
            await coordinator.workAvailable.wait(timeout: 1)
        }
        for task in preDeployRuns.withLock({ $0.running.values }) { task.cancel() }
    }

    /// Does all work that is due now. Store calls run on the store's executor, git on the repository's queue.
    /// - Returns: the number of deploys committed or failed.
    @discardableResult
    public func processOnce() async -> Int {
        await expireApprovals()
        await liftLocksAndFreezes()
        // Every store call hops to the store's own threads (`StoreExecutor`): a group commit or a PostgreSQL round
        // trip must not hold a thread of the cooperative pool.
        let store = coordinator.store
        var handled = 0
        var committing: [Deploy]
        do {
            committing = try await store.executor.run { try store.read { r in try r.deploys(in: [.committing]) } }
            // CI sends bursts: a CI deploy queued just now waits (once) for the rest of its burst to arrive.
            let youngest = committing.filter { $0.source == .ci }.map(\.createdAt).max()
            if let youngest, coalesceSeconds > 0 {
                let age = max(0, coordinator.clock().timeIntervalSince(youngest))
                if age < coalesceSeconds {
                    try? await Task.sleep(nanoseconds: UInt64((coalesceSeconds - age) * 1e9))
                    committing = try await store.executor.run {
                        try store.read { r in try r.deploys(in: [.committing]) }
                    }
                }
            }
        } catch {
            log.error("cannot read the store: \(error)")
            return 0
        }
        for deploy in Self.coalesce(committing) where !Task.isCancelled {
            // While an environment's pre-deploy steps run, its queue waits (a newer deploy would recreate the Job).
            if preDeployRuns.withLock({ $0.running[deploy.target] != nil }) { continue }
            handled += await supersedeQueued(by: deploy, among: committing)
            if startPreDeploySteps(deploy) { continue }
            await commit(deploy)
            handled += 1
        }
        return handled
    }

    /// The deploys to commit: the newest queued deploy of each environment, oldest environment first.
    /// - Parameter committing: the queued deploys in the store's order (created, then inserted): the last of an
    ///   environment is its newest, also when two CI webhooks landed in the same millisecond (their ids are random,
    ///   so they cannot break that tie).
    static func coalesce(_ committing: [Deploy]) -> [Deploy] {
        var newest: [EnvironmentKey: Int] = [:]
        for (index, deploy) in committing.enumerated() { newest[deploy.target] = index }
        return newest.values.sorted().map { committing[$0] }
    }

    /// Supersedes the other queued deploys of `newest`'s environment: it carries the newest tag, so committing them
    /// first would only make commits Flux applies for nothing.
    /// - Returns: how many were superseded.
    private func supersedeQueued(by newest: Deploy, among committing: [Deploy]) async -> Int {
        var superseded = 0
        for older in committing where older.id != newest.id && older.target == newest.target {
            do {
                _ = try await coordinator.apply(.supersede(by: newest.id), deployId: older.id, actor: "slipway")
                superseded += 1
                log.info("superseded by \(newest.id) before its commit", metadata: older.logMetadata)
            } catch is TransitionError {
                continue  // it ended some other way meanwhile
            } catch {
                log.error("cannot record that \(newest.id) supersedes it: \(error)", metadata: older.logMetadata)
            }
        }
        return superseded
    }

    /// Expired locks lift themselves and ended freezes release their held CI images (deploy decisions).
    private func liftLocksAndFreezes() async {
        let coordinator = self.coordinator
        do {
            try await coordinator.store.executor.run {
                try coordinator.liftExpiredLocks()
                try coordinator.releaseHeld()
            }
        } catch {
            log.error("cannot lift expired locks or release held deploys: \(error)")
        }
    }

    private func expireApprovals() async {
        let now = coordinator.clock()
        let store = coordinator.store
        guard
            let waiting = try? await store.executor.run({
                try store.read { r in try r.deploys(in: [.awaitingApproval]) }
            })
        else { return }
        for deploy in waiting where (deploy.approval?.expiresAt ?? .distantFuture) <= now {
            _ = try? await coordinator.apply(.expireApproval, deployId: deploy.id, actor: "slipway")
        }
    }

    private func commit(_ deploy: Deploy) async {
        let about = deploy.logMetadata
        guard let service = coordinator.catalog.services[deploy.service],
            let env = service.environments[deploy.environment]
        else {
            await fail(
                deploy,
                FailureRecord(
                    cause: "not_configured", title: "Environment no longer configured",
                    summary: "\(deploy.target) is not in the configuration any more; nothing was committed."))
            return
        }
        let file = env.kustomization(for: deploy)  // the canary's in the canary phase
        let change = ImageTagChange(
            file: file, image: service.image, newTag: deploy.targetTag, service: deploy.service,
            environment: deploy.environment, deployId: deploy.id,
            requestedBy: deploy.source == .ci
                ? "ci" : "\(deploy.requestedByName.map { "@\($0) " } ?? "")(\(deploy.requestedBy))",
            sourceCommit: deploy.sourceCommit, tagPath: deploy.isCanaryPhase ? nil : env.helmRelease?.tagPath)
        do {
            // A crash between push and record leaves the deploy here with its commit already on the branch; only a
            // deploy that entered this step before this worker started (or failed a try) can be in that case.
            let mayBePushed =
                deploy.updatedAt < runningSince.withLock({ $0 }) || attempts.withLock({ $0[deploy.id] ?? 0 }) > 0
            if mayBePushed,
                let pushed = try await gitops.pushedDeploy(
                    forDeployId: deploy.id, file: file, image: service.image,
                    tagPath: deploy.isCanaryPhase ? nil : env.helmRelease?.tagPath)
            {
                // The tag the pushed commit replaced is in its parent; the deploy may never have learnt it.
                let previousTag = pushed.previousTag ?? deploy.previousTag
                log.info(
                    "already pushed as \(pushed.commit.prefix(12)) (\(previousTag ?? "(none)") → \(deploy.targetTag)); "
                        + "recording it", metadata: about)
                _ = try await coordinator.apply(
                    .committed(commit: pushed.commit, previousTag: previousTag), deployId: deploy.id, actor: "slipway")
                return
            }
            let result = try await gitops.commit(change)
            switch result.outcome {
            case .committed(let commit, let oldTag):
                log.info(
                    "committed \(oldTag ?? "(none)") → \(deploy.targetTag) as \(commit.prefix(12))", metadata: about)
                producedImages.record(deployId: deploy.id, producedImage: result.producedImage)
                _ = try await coordinator.apply(
                    .committed(
                        commit: commit, previousTag: oldTag, note: result.imageAutomationWarning.map { "⚠️ \($0)" }),
                    deployId: deploy.id, actor: "slipway")
            case .alreadyCurrent:
                log.info("already at \(deploy.targetTag); nothing committed", metadata: about)
                _ = try await coordinator.apply(.alreadyCurrent, deployId: deploy.id, actor: "slipway")
            }
            attempts.withLock { $0[deploy.id] = nil }
        } catch let error as GitOpsError {
            if error.kind == .gitFailed || error.kind == .pushRejected {
                let n = attempts.withLock { counts in
                    counts[deploy.id, default: 0] += 1
                    return counts[deploy.id]!
                }
                log.warning("commit attempt \(n) failed: \(error.message)", metadata: about)
                if n < maxTransientAttempts {
                    try? await Task.sleep(nanoseconds: UInt64(min(8.0, 0.25 * pow(2, Double(n))) * 1e9))
                    coordinator.workAvailable.signal()
                    return
                }
            }
            attempts.withLock { $0[deploy.id] = nil }
            await fail(
                deploy,
                FailureRecord(
                    cause: "commit_failed", title: "Could not commit to the GitOps repository",
                    summary: error.message, runbook: nil))
        } catch {
            log.error("commit step failed: \(error)", metadata: about)
        }
    }

    /// Starts the environment's pre-deploy steps for `deploy` in a task of their own, unless it has none or they
    /// completed; the deploy is committed by a later pass once they complete.
    /// - Returns: whether the deploy must wait for them.
    private func startPreDeploySteps(_ deploy: Deploy) -> Bool {
        guard let preDeploy, let service = coordinator.catalog.services[deploy.service],
            let env = service.environments[deploy.environment], !env.preDeploy.isEmpty
        else { return false }
        return preDeployRuns.withLock { runs in
            if runs.completed.remove(deploy.id) != nil { return false }
            runs.running[deploy.target] = Task { [self] in
                let outcome = await preDeploy.run(deploy, service: service, env: env)
                switch outcome {
                case .completed:
                    preDeployRuns.withLock { _ = $0.completed.insert(deploy.id) }
                case .failed(let failure):
                    log.warning(
                        "pre-deploy step \(failure.step) failed; the application is not committed",
                        metadata: deploy.logMetadata)
                    await fail(deploy, failure.record)
                case .abandoned:
                    break
                }
                preDeployRuns.withLock { _ = $0.running.removeValue(forKey: deploy.target) }
                coordinator.workAvailable.signal()
            }
            return true
        }
    }

    private func fail(_ deploy: Deploy, _ failure: FailureRecord) async {
        do {
            _ = try await coordinator.apply(.fail(failure), deployId: deploy.id, actor: "slipway")
        } catch {
            log.error("could not record failure: \(error)", metadata: deploy.logMetadata)
        }
    }
}
