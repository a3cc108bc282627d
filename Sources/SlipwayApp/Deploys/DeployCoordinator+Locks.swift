import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// What `/deploy lock` did.
public enum LockOutcome: Sendable {
    case locked(EnvironmentLock)
    /// Someone locked it first; nothing changed.
    case alreadyLocked(EnvironmentLock)
}

/// What `/deploy unlock` (or a lock's expiry) did.
public struct UnlockOutcome: Sendable {
    /// The lifted lock; nil when there was none.
    public var removed: EnvironmentLock?
    /// The newest CI image blocked by the lock, now deploying (environments that deploy automatically).
    public var released: Deploy?
}

/// What freeze housekeeping did.
public struct HeldRelease: Sendable {
    public var released: [Deploy] = []
    public var superseded: [Deploy] = []
}

extension DeployCoordinator {
    /// Locks an environment: every deploy is refused and CI is recorded as blocked until unlock or `duration`.
    public func lock(
        service: ServiceEntry, environment: EnvironmentEntry, reason: String, duration: TimeInterval?, by user: String,
        origin: String
    ) throws -> LockOutcome {
        let now = clock()
        return try store.write { w in
            let lock = EnvironmentLock(
                service: service.name, environment: environment.name, reason: reason, lockedBy: user, lockedAt: now,
                expiresAt: duration.map { now.addingTimeInterval($0) })
            if let existing = try w.insertLock(lock) { return .alreadyLocked(existing) }
            try w.append(
                AuditEvent(
                    deployId: nil, service: service.name, environment: environment.name, actor: user,
                    action: "locked",
                    detail: reason + (lock.expiresAt.map { " (until \(Self.iso($0)))" } ?? ""), origin: origin,
                    at: now))
            return .locked(lock)
        }
    }

    /// Lifts a lock and, where the environment deploys automatically, deploys the newest CI image it blocked.
    public func unlock(service: ServiceEntry, environment: EnvironmentEntry, by user: String, origin: String) throws
        -> UnlockOutcome
    {
        let now = clock()
        let outcome = try store.write { w -> UnlockOutcome in
            guard let removed = try w.deleteLock(service: service.name, environment: environment.name) else {
                return UnlockOutcome(removed: nil, released: nil)
            }
            try w.append(
                AuditEvent(
                    deployId: nil, service: service.name, environment: environment.name, actor: user,
                    action: "unlocked", detail: "was: \(removed.reason)", origin: origin, at: now))
            let released = try releaseBlocked(service, environment, since: removed.lockedAt, in: w)
            return UnlockOutcome(removed: removed, released: released)
        }
        signal()
        return outcome
    }

    /// Lifts every lock whose expiry has passed, announces it in the deploy channel and deploys what it blocked.
    /// Called by the deploy worker on each pass.
    /// - Returns: the lifted locks.
    @discardableResult
    public func liftExpiredLocks() throws -> [EnvironmentLock] {
        let now = clock()
        let expired = try store.read { r in try r.locks().filter { ($0.expiresAt ?? .distantFuture) <= now } }
        guard !expired.isEmpty else { return [] }
        var lifted: [EnvironmentLock] = []
        for lock in expired {
            guard let (svc, env) = try? catalog.resolve(service: lock.service, environment: lock.environment)
            else { continue }
            let done = try store.write { w -> Bool in
                guard let current = try w.lock(service: svc.name, environment: env.name),
                    current.lockedAt == lock.lockedAt, (current.expiresAt ?? .distantFuture) <= now,
                    try w.deleteLock(service: svc.name, environment: env.name) != nil
                else { return false }
                try w.append(
                    AuditEvent(
                        deployId: nil, service: svc.name, environment: env.name, actor: "slipway", action: "unlocked",
                        detail: "lock expired; was: \(lock.reason)", at: now))
                let released = try releaseBlocked(svc, env, since: lock.lockedAt, in: w)
                var text =
                    "🔓 The lock on `\(svc.name)/\(env.name)` by \(SlackText.mention(userId: lock.lockedBy)) (“\(SlackText.escape(lock.reason))”) expired; deploys are open again."
                if let released {
                    text += " Deploying the newest CI image it held back: `\(SlackText.escape(released.targetTag))`."
                }
                try w.enqueue(
                    channelPost(
                        text, key: "lock-expired:\(svc.name)/\(env.name):\(Int(lock.lockedAt.timeIntervalSince1970))",
                        now: now))
                return true
            }
            if done { lifted.append(lock) }
        }
        signal()
        return lifted
    }

    /// Deploys held CI images whose freeze has ended: the newest per environment goes ahead, older ones are
    /// superseded; the channel is told. Called by the deploy worker on each pass.
    @discardableResult
    public func releaseHeld() throws -> HeldRelease {
        let now = clock()
        let held = try store.read { r in try r.deploys(in: [.held]) }
        guard !held.isEmpty else { return HeldRelease() }
        var result = HeldRelease()
        let byTarget = Dictionary(grouping: held, by: \.target)
        for (target, deploys) in byTarget {
            guard let (svc, env) = try? catalog.resolve(service: target.service, environment: target.environment)
            else { continue }
            let outcome = try store.write { w -> HeldRelease in
                var outcome = HeldRelease()
                let current = try deploys.compactMap { try w.deploy(id: $0.id) }.filter { $0.state == .held }
                // The store's order (created_at, then insertion): two CI webhooks can land in the same millisecond,
                // and the newest by `createdAt` alone would then be the older of the two.
                guard let newest = current.last else { return outcome }
                // The planner decides, as for any request: still frozen, locked meanwhile, already current.
                let request = DeployRequest(
                    kind: .deploy, origin: .freezeEnded, tag: newest.targetTag, requestedBy: "ci")
                let facts = try planningFacts(service: svc, environment: env, now: now, for: request, in: w)
                let decision = planner.plan(request, facts: facts)
                if case .record(.held) = decision { return outcome }
                for older in current where older.id != newest.id {
                    outcome.superseded.append(try apply(.supersede(by: newest.id), to: older, actor: "slipway", in: w))
                }
                switch decision {
                case .create:
                    break
                case .record(.blocked(_, .locked(let lock))):
                    _ = try apply(
                        .block(
                            reason:
                                "blocked: the freeze ended but \(svc.name)/\(env.name) is locked by \(SlackText.mention(userId: lock.lockedBy)) (\(SlackText.escape(lock.reason)))"
                        ), to: newest, actor: "slipway", in: w)
                    return outcome
                case .record(.blocked(_, .failedBefore(let id))):
                    _ = try apply(
                        .block(
                            reason: "blocked: `\(SlackText.escape(newest.targetTag))` already failed here (`\(id)`)"),
                        to: newest, actor: "slipway", in: w)
                    return outcome
                case .record(.alreadyCurrent), .record(.held), .refuse:
                    _ = try apply(
                        .cancel(reason: "the freeze ended; nothing to deploy"), to: newest, actor: "slipway", in: w)
                    return outcome
                }
                let released = try apply(
                    .release(requiresApproval: env.requireApproval, approvalToken: Identifiers.approvalToken()),
                    to: newest, actor: "slipway", in: w)
                outcome.released.append(released)
                let skipped =
                    outcome.superseded.isEmpty ? "" : " (\(outcome.superseded.count) older held image(s) superseded)"
                try w.enqueue(
                    channelPost(
                        "❄️ The freeze on `\(svc.name)/\(env.name)` ended: deploying the newest CI image held during it, `\(SlackText.escape(released.targetTag))`\(skipped).",
                        key: "freeze-ended:\(released.id)", now: now))
                return outcome
            }
            result.released += outcome.released
            result.superseded += outcome.superseded
        }
        if !result.released.isEmpty { signal() }
        return result
    }

    /// The newest CI deploy blocked since `since`, deployed now through the planner (environments that deploy
    /// automatically only).
    func releaseBlocked(_ svc: ServiceEntry, _ env: EnvironmentEntry, since: Date, in w: any StoreWriter) throws
        -> Deploy?
    {
        guard env.autoDeploy else { return nil }
        let blocked = try w.recentDeploys(service: svc.name, environment: env.name, limit: 50)
            .filter { $0.state == .blocked && $0.source == .ci && $0.createdAt >= since }
        guard let newest = blocked.max(by: { $0.createdAt < $1.createdAt }) else { return nil }
        let request = DeployRequest(kind: .deploy, origin: .unlocked, tag: newest.targetTag, requestedBy: "ci")
        let details = DeployRequestDetails(
            service: svc.name, environment: env.name, origin: "slipway", sourceCommit: newest.sourceCommit,
            author: newest.author, commitMessage: newest.commitMessage)
        if case .created(let deploy) = try submit(request, details: details, in: w) { return deploy }
        return nil
    }

    func channelPost(_ text: String, key: String, now: Date) -> OutboxMessage {
        let message = SlackMessage(text: text, blocks: [.section(text)])
        return OutboxMessage(
            key: key, deployId: nil, target: .channelMessage,
            payload: OutboxPayload(channel: outbox.deployChannel, message: message).encoded(), createdAt: now)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

extension DeployCoordinator {
    /// Records an ad-hoc freeze (`/deploy freeze`).
    public func freeze(
        _ scope: AdHocFreeze.Scope, duration: TimeInterval, reason: String, by user: String, origin: String
    ) throws -> AdHocFreeze {
        // Whole milliseconds, as stored: a start rounded up by the store would begin after `now`.
        let now = Date(timeIntervalSince1970: (clock().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let freeze = AdHocFreeze(
            scope: scope, endsAt: now.addingTimeInterval(duration), reason: reason, by: user, createdAt: now)
        try store.write { w in
            try w.insert(freeze)
            try w.append(
                AuditEvent(
                    deployId: nil, service: "*", environment: scope.description, actor: user, action: "frozen",
                    detail: "\(reason) (until \(Self.iso(freeze.endsAt)))", origin: origin, at: now))
        }
        return freeze
    }

    /// Lifts ad-hoc freezes (`/deploy unfreeze`) and deploys what they held.
    public func unfreeze(_ scope: AdHocFreeze.Scope, by user: String, origin: String) throws -> [AdHocFreeze] {
        let now = clock()
        let lifted = try store.write { w -> [AdHocFreeze] in
            let lifted = try w.removeFreezes(scope, now: now)
            if !lifted.isEmpty {
                try w.append(
                    AuditEvent(
                        deployId: nil, service: "*", environment: scope.description, actor: user, action: "unfrozen",
                        detail: lifted.map(\.reason).joined(separator: "; "), origin: origin, at: now))
            }
            return lifted
        }
        if !lifted.isEmpty { try releaseHeld() }
        return lifted
    }
}
