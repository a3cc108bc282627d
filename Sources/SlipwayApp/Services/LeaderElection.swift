import Foundation
import SlipwayStore
import Synchronization

/// Runs the background services (deploy worker, rollout monitor, outbox, pruner) on one replica at a time.
///
/// Every replica serves HTTP: Slack commands and webhooks only write to the shared store. The work that follows
/// (git pushes, cluster polls, Slack posts) is done by the leader, the replica holding `lock`. A follower tries to
/// take the lock every `retryInterval` seconds; the leader checks every `checkInterval` seconds that it still holds
/// it, and stops its services when it does not (with PostgreSQL: its lock session ended, so another replica may
/// already lead). Until it notices, two replicas may briefly both run services; the store keeps that safe
/// (optimistic deploy versions, outbox rows claimed with `SKIP LOCKED`), it only costs duplicate effort.
public final class LeaderElection: Sendable {
    /// The PostgreSQL advisory lock key replicas compete for: "slipwayL" in ASCII, distinct from the migration
    /// lock's key.
    public static let advisoryLockKey: Int64 = 0x736c_6970_7761_794c

    /// How often to try and to check.
    public struct Timing: Sendable {
        /// Seconds a follower waits between attempts to take the lock.
        public var retryInterval: Double
        /// Seconds the leader waits between checks that it still holds the lock.
        public var checkInterval: Double

        /// - Parameters:
        ///   - retryInterval: seconds between a follower's attempts; 5 by default.
        ///   - checkInterval: seconds between the leader's checks; 2 by default.
        public init(retryInterval: Double = 5, checkInterval: Double = 2) {
            self.retryInterval = retryInterval
            self.checkInterval = checkInterval
        }
    }

    public let timing: Timing
    let lock: any LeaderLock
    let log: Log
    /// Read by `/metrics` from HTTP threads.
    private let leading = Mutex(false)

    /// - Parameters:
    ///   - lock: the lock replicas compete for (`PostgresSessionLock`), or `SingleProcessLock` for SQLite.
    ///   - timing: how often to try and to check.
    ///   - log: where leadership changes are logged.
    public init(lock: any LeaderLock, timing: Timing = Timing(), log: Log) {
        self.lock = lock
        self.timing = timing
        self.log = log.with(["component": "leader-election"])
    }

    /// True while this replica holds the lock and runs the background services.
    public var isLeader: Bool { leading.withLock { $0 } }

    /// Competes for the lock until cancelled, running `services` whenever this replica holds it. `services` is
    /// cancelled (and awaited) when the lock is lost; it is started again the next time the lock is taken. When
    /// `services` returns by itself (the service runner stopped them for a shutdown), the replica steps down for good
    /// and `run` returns, rather than take the lock again only to step down once more.
    /// - Parameter services: the background services; they run until cancelled.
    public func run(whileLeading services: @escaping @Sendable () async -> Void) async {
        var announcedFollower = false
        var lastError: String?
        let lockName = ["lock": lock.name]
        let retry = Self.seconds(timing.retryInterval)
        while !Task.isCancelled {
            var acquired = false
            do {
                acquired = try await lock.tryAcquire()
                if lastError != nil { log.info("the leader lock answers again", metadata: lockName) }
                lastError = nil
            } catch {
                let text = "\(error)"
                if text != lastError {
                    log.warning(
                        "cannot reach the leader lock, so this replica serves HTTP only and tries again every "
                            + "\(retry); check the database: \(text)", metadata: lockName)
                }
                lastError = text
            }
            guard acquired else {
                if !announcedFollower && lastError == nil {
                    log.info(
                        "another replica holds the leader lock; this one serves HTTP only and tries again every "
                            + retry, metadata: lockName)
                    announcedFollower = true
                }
                await Self.sleep(timing.retryInterval)
                continue
            }
            announcedFollower = false
            leading.withLock { $0 = true }
            log.info("this replica is the leader; starting background services", metadata: lockName)
            let lost = await lead(services)
            leading.withLock { $0 = false }
            if lost {
                log.warning(
                    "lost the leader lock (connection dropped?); stopped background services, trying again every "
                        + retry, metadata: lockName)
            } else {
                log.info("stepping down; background services stopped", metadata: lockName)
                break
            }
            // End the session either way: a lock that may be gone is never trusted again.
            await lock.release()
        }
        await lock.release()
    }

    /// Runs `services` until cancelled or the lock is lost. - Returns: true when the lock was lost.
    private func lead(_ services: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await services()
                return false
            }
            group.addTask { [lock, timing] in
                while !Task.isCancelled {
                    await Self.sleep(timing.checkInterval)
                    if Task.isCancelled { return false }
                    if !(await lock.isHeld()) { return true }
                }
                return false
            }
            let lost = await group.next() ?? false
            group.cancelAll()
            await group.waitForAll()
            return lost
        }
    }

    private static func sleep(_ seconds: Double) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0.01, seconds) * 1e9))
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }

    /// Prometheus exposition lines of the `slipway_leader` gauge.
    var metricsText: String {
        "# HELP slipway_leader 1 while this replica is the leader and runs the background services, else 0.\n"
            + "# TYPE slipway_leader gauge\nslipway_leader \(isLeader ? 1 : 0)\n"
    }
}

/// The lock replicas compete for in `LeaderElection`. Implementations are safe to call from any task.
public protocol LeaderLock: Sendable {
    /// What the lock is, for logs: `the leader lock on PostgreSQL db.internal:5432/slipway`.
    var name: String { get }
    /// Takes the lock unless someone else holds it. - Returns: true when this replica holds it (now or already).
    /// - Throws: when the lock's backing service cannot be reached; the election retries later.
    func tryAcquire() async throws -> Bool
    /// Whether this replica still holds the lock.
    func isHeld() async -> Bool
    /// Gives the lock up (if held) and frees what backs it.
    func release() async
}

/// The lock of a Slipway with a SQLite store: one process owns the file, so it always leads.
public struct SingleProcessLock: LeaderLock {
    public init() {}
    public func tryAcquire() async throws -> Bool { true }
    public func isHeld() async -> Bool { true }
    public func release() async {}
    public var name: String { "the SQLite store (single process)" }
}

extension PostgresSessionLock: LeaderLock {
    public var name: String { "the leader lock on PostgreSQL \(endpointDescription)" }
}
