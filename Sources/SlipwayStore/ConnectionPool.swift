import Foundation

/// A bounded set of connections, each used by one thread at a time. Idle connections are reused last-in first-out
/// (the warmest caches first); new ones are opened on demand up to `maximum`, after which callers wait.
// @unchecked: owns idle SQLite/libpq connections; `condition` guards them and hands each to one thread at a time.
final class ConnectionPool<Connection: PooledConnection>: @unchecked Sendable {
    let maximum: Int
    private let waitTimeout: Duration
    private let connect: () throws -> Connection
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var idle: [Connection] = []
    private var opened = 0

    /// - Parameters:
    ///   - maximum: most connections open at once.
    ///   - waitTimeout: how long a caller waits for a free connection before failing with a retryable error.
    ///   - connect: opens a connection; called without the pool's lock held.
    init(maximum: Int, waitTimeout: Duration, connect: @escaping () throws -> Connection) {
        self.maximum = max(1, maximum)
        self.waitTimeout = waitTimeout
        self.connect = connect
    }

    /// Lends a connection to `body` and takes it back afterwards, also when `body` throws.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// Adds an already-open connection (the one used for migrations) so it is not wasted.
    func adopt(_ connection: Connection) {
        condition.lock()
        defer { condition.unlock() }
        guard opened < maximum else { return }
        opened += 1
        idle.append(connection)
        condition.signal()
    }

    private func checkOut() throws -> Connection {
        let deadline = Date().addingTimeInterval(
            Double(waitTimeout.components.seconds) + Double(waitTimeout.components.attoseconds) / 1e18)
        condition.lock()
        while idle.isEmpty && opened >= maximum {
            guard condition.wait(until: deadline) || !idle.isEmpty || opened < maximum else {
                condition.unlock()
                throw StoreError.busy("all \(maximum) database connections stayed busy for \(waitTimeout)")
            }
        }
        if let connection = idle.popLast() {
            condition.unlock()
            do {
                try connection.prepareForUse()
            } catch {
                discard()
                throw error
            }
            return connection
        }
        opened += 1
        condition.unlock()
        do {
            return try connect()
        } catch {
            discard()
            throw error
        }
    }

    private func checkIn(_ connection: Connection) {
        condition.lock()
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    /// Forgets a connection that could not be opened or repaired, making room for a new one.
    private func discard() {
        condition.lock()
        opened -= 1
        condition.signal()
        condition.unlock()
    }
}
