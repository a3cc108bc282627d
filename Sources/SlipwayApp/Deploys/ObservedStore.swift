import Foundation
import SlipwayStore
import Synchronization

/// A store that counts its writes, so caches of what the store says know when they are stale, and runs
/// after-commit actions (metrics) only once a write has committed — a retried or rolled-back body runs none.
/// It also counts store errors and knows whether writes fail now (a full disk, a read-only volume), for `/ready`
/// and `slipway_store_errors_total`.
///
/// The actions queued during a write are kept as the writing thread's own (`ThreadLocalReference`): a synchronous
/// write runs on one thread from start to commit (the async `write` runs the whole synchronous one on a store
/// executor thread).
public final class ObservedStore: Store {
    private let base: any Store
    private let writes = Mutex<UInt64>(0)
    private let health = Mutex(Health())
    private struct Health {
        var errors = 0
        var writeFailing = false
    }
    /// The actions of the write in progress on this thread.
    private static let pending = ThreadLocalReference<AfterCommitActions>()

    public init(_ base: any Store) { self.base = base }

    public var executor: StoreExecutor { base.executor }

    /// Increases after every write transaction (committed or not).
    public var generation: UInt64 { writes.withLock { $0 } }

    public var sharedByReplicas: Bool { base.sharedByReplicas }

    /// Store errors (failed reads and writes) since start.
    public var errorCount: Int { health.withLock { $0.errors } }

    /// Whether the last write failed with a store error; the next write that succeeds clears it.
    public var isWriteFailing: Bool { health.withLock { $0.writeFailing } }

    /// `slipway_store_errors_total` in the Prometheus text format.
    public var metricsText: String {
        "# HELP slipway_store_errors_total Store reads and writes that failed (full disk, read-only volume, "
            + "lost database).\n# TYPE slipway_store_errors_total counter\nslipway_store_errors_total \(errorCount)\n"
            + (base is SQLiteStore
                ? "# HELP slipway_sqlite_memory_bytes Memory SQLite holds in this process (page caches, statements)."
                    + "\n# TYPE slipway_sqlite_memory_bytes gauge\nslipway_sqlite_memory_bytes \(SQLiteStore.memoryInUse)\n"
                : "")
    }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        do {
            return try base.read(body)
        } catch let error as StoreError {
            health.withLock { $0.errors += 1 }
            throw error
        }
    }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        do {
            let result = try observedWrite(body)
            health.withLock { $0.writeFailing = false }
            return result
        } catch let error as StoreError {
            health.withLock { health in
                health.errors += 1
                health.writeFailing = true
            }
            throw error
        }
    }

    private func observedWrite<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        defer { writes.withLock { $0 &+= 1 } }
        // Joined an enclosing write: its commit runs the actions.
        if Self.pending.value != nil { return try base.write(body) }
        let actions = AfterCommitActions()
        let slackRequest = SlackRequestLedger.current  // a signed Slack request handled on this thread
        let result = try Self.pending.with(actions) {
            try base.write { writer in
                actions.removeAll()  // a retried body starts over
                try slackRequest?.record(in: writer)
                return try body(writer)
            }
        }
        slackRequest?.committed()
        actions.runAll()
        return result
    }

    /// Runs `action` after the write in progress on this thread commits, or now when there is none.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let actions = Self.pending.value {
            actions.append(action)
        } else {
            action()
        }
    }
}

/// Actions queued during one write body.
private final class AfterCommitActions {
    private var actions: [@Sendable () -> Void] = []
    func append(_ action: @escaping @Sendable () -> Void) { actions.append(action) }
    func removeAll() { actions.removeAll() }
    func runAll() { for action in actions { action() } }
}
