import CSQLite
import Foundation

/// The one writing connection of a `SQLiteStore`, shared by all threads with group commit.
///
/// Writers take turns on the connection. A writer runs its body inside a savepoint of the open transaction
/// (starting one with `BEGIN IMMEDIATE` when none is open); a body that throws rolls back its own savepoint only.
/// If other writers are already waiting, the transaction is left open for them and the writer waits; the last
/// writer of the group commits, and every writer of the group returns only once that commit is done (or throws
/// when it failed). Writes stay atomic, serial and durable one by one, but concurrent writers share one commit: one
/// WAL append of the pages they dirtied in common (the right edge of every index) instead of one each.
///
/// Consequences for bodies: a body must not wait for another thread that may itself be in `write` (it could be
/// waiting for this body's commit), and a `read` inside a body sees the last commit, not the writes of bodies
/// that ran before it in the same group.
// @unchecked: owns the SQLite write connection; `condition` guards it and the group-commit state.
final class SQLiteWriter: @unchecked Sendable {
    /// Most bodies sharing one commit.
    private let maxGroupSize: Int
    private let connection: SQLiteConnection
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var owner: pthread_t?
    private var waiting = 0
    /// The last group that committed or failed; groups are numbered from 1 and finish in order.
    private var finishedGroup: UInt64 = 0
    private var groupFailures: [UInt64: any Error] = [:]
    private var groupMembersLeft: [UInt64: Int] = [:]
    // Touched only by the thread that owns the connection.
    private var openGroup: UInt64 = 0
    private var lastGroup: UInt64 = 0
    private var openGroupSize = 0

    /// - Parameter maxGroupSize: 1 turns group commit off (every write commits on its own).
    init(connection: SQLiteConnection, maxGroupSize: Int) {
        self.connection = connection
        self.maxGroupSize = max(1, maxGroupSize)
    }

    /// Runs `body` as one atomic write, possibly sharing its commit with concurrent writers.
    /// - Throws: what `body` throws (its changes are rolled back), a `StoreError` from SQLite, or the commit's
    ///   failure (then nothing of this write persisted).
    func write<T>(_ body: (SQLTransaction<SQLiteConnection>) throws -> T) throws -> T {
        try takeConnection()
        if openGroup == 0 {
            do {
                try connection.begin(writable: true)
            } catch {
                releaseConnection()
                throw error
            }
            lastGroup += 1
            openGroup = lastGroup
            openGroupSize = 0
        }
        let group = openGroup
        openGroupSize += 1
        var outcome: Result<T, any Error>
        var groupBroken = false
        do {
            try connection.execute("SAVEPOINT slipway_write", [])
            let transaction = SQLTransaction(connection, writable: true)
            defer { transaction.close() }
            outcome = .success(try body(transaction))
            try connection.execute("RELEASE slipway_write", [])
        } catch {
            outcome = .failure(error)
            // Some failures (disk full, I/O) make SQLite roll back the whole transaction, other bodies' work too.
            groupBroken = !connection.isInTransaction || !connection.rollbackToSavepoint("slipway_write")
        }

        condition.lock()
        groupMembersLeft[group, default: 0] += 1
        if groupBroken || waiting == 0 || openGroupSize >= maxGroupSize {
            condition.unlock()
            var failure: (any Error)?
            if groupBroken {
                connection.rollback()
                failure = StoreError.query(
                    "the write was rolled back with others that shared its commit, after a failure")
            } else {
                do {
                    try connection.commit()
                } catch {
                    connection.rollback()
                    failure = error
                }
            }
            openGroup = 0
            condition.lock()
            finishedGroup = group
            if let failure { groupFailures[group] = failure }
            owner = nil
            condition.broadcast()
        } else {
            // Leave the transaction open for the next writer; one of them commits.
            owner = nil
            condition.broadcast()
            while finishedGroup < group { condition.wait() }
        }
        let failure = groupFailures[group]
        groupMembersLeft[group, default: 1] -= 1
        if groupMembersLeft[group] == 0 {
            groupMembersLeft[group] = nil
            groupFailures[group] = nil
        }
        condition.unlock()
        if let failure, case .success = outcome { throw failure }
        return try outcome.get()
    }

    /// Runs a read on the writer connection (for `:memory:`, where no other connection sees the data). Inside a
    /// write body on the same thread it joins that write's transaction.
    func read<T>(_ body: (SQLTransaction<SQLiteConnection>) throws -> T) throws -> T {
        condition.lock()
        if let owner, pthread_equal(owner, pthread_self()) != 0 {
            condition.unlock()
            return try SQLTransaction.joined(on: connection, body)
        }
        condition.unlock()
        try takeConnection()
        defer { releaseConnection() }
        if openGroup != 0 {
            return try SQLTransaction.joined(on: connection, body)
        }
        return try SQLTransaction.run(on: connection, writable: false, body)
    }

    private func takeConnection() throws {
        condition.lock()
        defer { condition.unlock() }
        if let owner, pthread_equal(owner, pthread_self()) != 0 {
            throw StoreError.query("store.write called inside a write body; use the writer it was given")
        }
        waiting += 1
        while owner != nil { condition.wait() }
        waiting -= 1
        owner = pthread_self()
    }

    private func releaseConnection() {
        condition.lock()
        owner = nil
        condition.broadcast()
        condition.unlock()
    }
}
