import Foundation

/// The store for several Slipway replicas: PostgreSQL through libpq.
///
/// A small pool of connections serves all threads. `read` runs in one `REPEATABLE READ, READ ONLY` snapshot;
/// `write` runs at `READ COMMITTED`, where the conflict clauses in the SQL (`ON CONFLICT DO NOTHING` for outbox,
/// locks and idempotency keys, the version check of `update`) keep concurrent replicas correct. A write that hits
/// a serialization failure or deadlock (SQLSTATE 40001 / 40P01) is rolled back and run again, so a `write` body may
/// run more than once: it must do nothing but store calls.
///
/// Inside `write`, `dueOutbox` locks the rows it returns with `FOR UPDATE SKIP LOCKED`: a replica claiming
/// messages (for example by rescheduling them a lease ahead in the same transaction) never waits for, nor returns,
/// the rows another replica is claiming at that moment. The schema is migrated at start under an advisory lock.
///
/// A connection the server dropped while idle is re-established (`PQreset`) when it is next used.
public final class PostgresStore: Store, Sendable {
    /// `host:port/database`, for logs; the URL itself is never kept in messages (it may hold a password).
    public let endpointDescription: String
    public let executor = StoreExecutor(label: "slipway.store.postgres")
    /// Replicas share the database: the outbox claims each message before sending it.
    public var sharedByReplicas: Bool { true }
    private let pool: ConnectionPool<PostgresConnection>
    private let maxWriteAttempts = 8

    /// Connects, migrates the schema, and keeps the connection for the pool.
    /// - Parameters:
    ///   - url: `postgresql://user:password@host:port/database` (or a libpq `key=value` string), usually from an
    ///     environment variable named in the config. Errors name host, port and database only.
    ///   - maxConnections: most connections open at once; further concurrent calls wait for one.
    /// - Throws: `StoreError` when the server cannot be reached or the schema cannot be migrated.
    public convenience init(url: String, maxConnections: Int = 8) throws {
        try self.init(url: url, maxConnections: maxConnections, schemaVersion: StoreSchema.latestVersion)
    }

    /// Connects and migrates to `schemaVersion` only (tests build old databases with it).
    init(url: String, maxConnections: Int, schemaVersion: Int) throws {
        let endpoint = try PostgresEndpoint(connectionString: url)
        endpointDescription = endpoint.description
        let first = try PostgresConnection(url: url, endpoint: endpoint)
        try StoreMigrator.migrate(first, to: schemaVersion)
        pool = ConnectionPool(maximum: maxConnections, waitTimeout: .seconds(30)) {
            try PostgresConnection(url: url, endpoint: endpoint)
        }
        pool.adopt(first)
    }

    /// Runs `body` in one read-only snapshot.
    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        try pool.withConnection { connection in
            try SQLTransaction.run(on: connection, writable: false, body)
        }
    }

    /// Runs `body` in one transaction, again (up to 8 times) when PostgreSQL reports a serialization failure or
    /// deadlock.
    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        var attempt = 1
        while true {
            var conflicted = false
            do {
                return try pool.withConnection { connection in
                    do {
                        return try SQLTransaction.run(on: connection, writable: true, body)
                    } catch {
                        conflicted = connection.lastFailureWasConflict
                        throw error
                    }
                }
            } catch  where conflicted && attempt < maxWriteAttempts {
                // Jittered backoff so the conflicting transactions do not meet again.
                usleep(UInt32.random(in: 1_000...(5_000 * UInt32(attempt))))
                attempt += 1
            }
        }
    }

    /// Lends a pooled connection (tests: reading the backend pid, cutting the connection).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try pool.withConnection(body)
    }
}
