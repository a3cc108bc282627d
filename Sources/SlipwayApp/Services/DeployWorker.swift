import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayStore

/// Carries deploys through the steps that need git: commits approved deploys to the GitOps repository, and expires
/// approvals. It reads its work from the store, so a restart resumes where the last process stopped.
public final class DeployWorker: Sendable {
    let coordinator: DeployCoordinator
    let gitops: GitOpsRepository
    let log: Log
    let maxTransientAttempts = 5
    private let attempts = LockedCounter()
    /// When this worker last started running: a deploy left in `committing` before then may have been pushed by
    /// an earlier process, or by the replica that led before this one.
    private let runningSince = LockedDate(Date())

    public init(coordinator: DeployCoordinator, gitops: GitOpsRepository, log: Log) {
        self.coordinator = coordinator
        self.gitops = gitops
        self.log = log
    }

    /// Runs until cancelled.
    public func run() async {
        runningSince.set(Date())
        while !Task.isCancelled {
            await processOnce()
            await coordinator.workAvailable.wait(timeout: 1)
        }
    }

    /// Does all work that is due now. Returns the number of deploys committed or failed.
    @discardableResult
    public func processOnce() async -> Int {
        expireApprovals()
        var handled = 0
        let committing: [Deploy]
        do {
            committing = try coordinator.store.read { r in try r.deploys(in: [.committing]) }
        } catch {
            log.error("deploy worker cannot read the store: \(error)")
            return 0
        }
        for deploy in committing where !Task.isCancelled {
            await commit(deploy)
            handled += 1
        }
        return handled
    }

    private func expireApprovals() {
        let now = coordinator.clock()
        guard let waiting = try? coordinator.store.read({ r in try r.deploys(in: [.awaitingApproval]) }) else { return }
        for deploy in waiting where (deploy.approval?.expiresAt ?? .distantFuture) <= now {
            _ = try? coordinator.apply(.expireApproval, deployId: deploy.id, actor: "slipway")
        }
    }

    private func commit(_ deploy: Deploy) async {
        guard let service = coordinator.catalog.services[deploy.service],
            let env = service.environments[deploy.environment]
        else {
            fail(
                deploy,
                FailureRecord(
                    cause: "not_configured", title: "Environment no longer configured",
                    summary: "\(deploy.target) is not in the configuration any more; nothing was committed."))
            return
        }
        let change = ImageTagChange(
            file: env.kustomization, image: service.image, newTag: deploy.targetTag, service: deploy.service,
            environment: deploy.environment, deployId: deploy.id,
            requestedBy: deploy.source == .ci
                ? "ci" : "\(deploy.requestedByName.map { "@\($0) " } ?? "")(\(deploy.requestedBy))",
            sourceCommit: deploy.sourceCommit)
        do {
            // A crash between push and record leaves the deploy here with its commit already on the branch; only a
            // deploy that entered this step before this worker started (or failed a try) can be in that case.
            let mayBePushed = deploy.updatedAt < runningSince.value || attempts.value(deploy.id) > 0
            if mayBePushed,
                let pushed = try await gitops.pushedDeploy(
                    forDeployId: deploy.id, file: env.kustomization, image: service.image)
            {
                // The tag the pushed commit replaced is in its parent; the deploy may never have learnt it.
                let previousTag = pushed.previousTag ?? deploy.previousTag
                log.info(
                    "\(deploy.id) was already pushed as \(pushed.commit.prefix(12)) "
                        + "(\(previousTag ?? "(none)") → \(deploy.targetTag)); recording it")
                _ = try coordinator.apply(
                    .committed(commit: pushed.commit, previousTag: previousTag), deployId: deploy.id, actor: "slipway")
                return
            }
            let outcome = try await gitops.commitImageTag(change)
            switch outcome {
            case .committed(let commit, let oldTag):
                log.info(
                    "\(deploy.id) committed \(deploy.target) \(oldTag ?? "(none)") → \(deploy.targetTag) as \(commit.prefix(12))"
                )
                _ = try coordinator.apply(
                    .committed(commit: commit, previousTag: oldTag), deployId: deploy.id, actor: "slipway")
            case .alreadyCurrent:
                log.info("\(deploy.id) \(deploy.target) already at \(deploy.targetTag); nothing committed")
                _ = try coordinator.apply(.alreadyCurrent, deployId: deploy.id, actor: "slipway")
            }
            attempts.reset(deploy.id)
        } catch let error as GitOpsError {
            if error.kind == .gitFailed || error.kind == .pushRejected {
                let n = attempts.increment(deploy.id)
                log.warning("\(deploy.id) commit attempt \(n) failed: \(error.message)")
                if n < maxTransientAttempts {
                    try? await Task.sleep(nanoseconds: UInt64(min(8.0, 0.25 * pow(2, Double(n))) * 1e9))
                    coordinator.workAvailable.signal()
                    return
                }
            }
            attempts.reset(deploy.id)
            fail(
                deploy,
                FailureRecord(
                    cause: "commit_failed", title: "Could not commit to the GitOps repository",
                    summary: error.message, runbook: nil))
        } catch {
            log.error("\(deploy.id) commit step failed: \(error)")
        }
    }

    private func fail(_ deploy: Deploy, _ failure: FailureRecord) {
        do {
            _ = try coordinator.apply(.fail(failure), deployId: deploy.id, actor: "slipway")
        } catch {
            log.error("\(deploy.id) could not record failure: \(error)")
        }
    }
}

/// A date shared across tasks.
final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date

    init(_ date: Date) { self.date = date }

    var value: Date { lock.withLock { date } }
    func set(_ date: Date) { lock.withLock { self.date = date } }
}

/// Per-key attempt counters shared across tasks.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func increment(_ key: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        counts[key, default: 0] += 1
        return counts[key]!
    }

    func value(_ key: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return counts[key] ?? 0
    }

    func reset(_ key: String) {
        lock.lock()
        counts[key] = nil
        lock.unlock()
    }
}
