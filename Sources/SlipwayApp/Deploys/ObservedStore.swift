import Foundation
import SlipwayStore
import Synchronization

/// A store that counts its writes, so caches of what the store says know when they are stale, and runs
/// after-commit actions (metrics) only once a write has committed — a retried or rolled-back body runs none.
///
/// The actions queued during a write are kept in the writing thread's dictionary: a synchronous write runs on one
/// thread from start to commit (the async `write` runs the whole synchronous one on a store executor thread).
public final class ObservedStore: Store {
    private let base: any Store
    private let writes = Mutex<UInt64>(0)
    private static let pendingKey = "slipway.afterCommit"

    public init(_ base: any Store) { self.base = base }

    public var executor: StoreExecutor { base.executor }

    /// Increases after every write transaction (committed or not).
    public var generation: UInt64 { writes.withLock { $0 } }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T { try base.read(body) }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        defer { writes.withLock { $0 &+= 1 } }
        let thread = Thread.current
        let outer = thread.threadDictionary[Self.pendingKey] as? AfterCommitActions
        if outer != nil { return try base.write(body) }  // joined an enclosing write: its commit runs the actions
        let actions = AfterCommitActions()
        thread.threadDictionary[Self.pendingKey] = actions
        defer { thread.threadDictionary[Self.pendingKey] = nil }
        let result = try base.write { writer in
            actions.removeAll()  // a retried body starts over
            return try body(writer)
        }
        thread.threadDictionary[Self.pendingKey] = nil
        actions.runAll()
        return result
    }

    /// Runs `action` after the write in progress on this thread commits, or now when there is none.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        if let actions = Thread.current.threadDictionary[Self.pendingKey] as? AfterCommitActions {
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
