import Dispatch
import Foundation

/// A session-level PostgreSQL advisory lock (`pg_try_advisory_lock`) on a connection of its own, for electing one
/// replica among several on the same database.
///
/// The lock lives exactly as long as the session: PostgreSQL releases it when the connection closes, whether this
/// process releases it, exits, or the connection drops. The connection asks the server for TCP keepalives, so a
/// replica that vanished without closing its socket loses the lock within about half a minute rather than hours.
///
/// libpq blocks; every call runs on the lock's own serial queue, off Swift's cooperative thread pool, and one at a
/// time on the connection.
// @unchecked: owns a libpq connection, touched only on its own serial `queue`.
public final class PostgresSessionLock: @unchecked Sendable {
    /// The advisory lock key; a lock is per database, so replicas of another Slipway on another database never meet.
    public let key: Int64
    /// `host:port/database`, for logs (never the password).
    public let endpointDescription: String
    private let url: String
    private let endpoint: PostgresEndpoint
    private let queue = DispatchQueue(label: "slipway.postgres-session-lock")
    /// Touched only on `queue`.
    private var connection: PostgresConnection?
    /// Touched only on `queue`.
    private var held = false

    /// Creates the lock; nothing connects until `tryAcquire()`.
    /// - Parameters:
    ///   - url: the store's `postgresql://` URL (or libpq `key=value` string).
    ///   - key: the advisory lock key every replica uses.
    /// - Throws: `StoreError` when the URL cannot be parsed (the message never echoes it).
    public init(url: String, key: Int64) throws {
        self.url = url
        self.key = key
        self.endpoint = try PostgresEndpoint(connectionString: url)
        self.endpointDescription = endpoint.description
    }

    /// Takes the lock if no other session holds it, connecting first when there is no live connection.
    /// - Returns: true when this session holds the lock (now or already).
    /// - Throws: `StoreError` when PostgreSQL cannot be reached or refuses the query; the connection is then closed,
    ///   so the next call starts a new session.
    public func tryAcquire() async throws -> Bool {
        try await onQueue { [self] in
            if held, try stillHeld() { return true }
            do {
                let connection = try self.connection ?? connect()
                let taken = try connection.query("SELECT pg_try_advisory_lock($1)", [.integer(key)]) {
                    $0.text(at: 0) == "t"
                }
                held = taken.first ?? false
                return held
            } catch {
                close()
                throw error
            }
        }
    }

    /// Whether this session still holds the lock: the connection is alive and PostgreSQL lists the lock as granted
    /// to it. A failed check closes the connection (whatever it held is gone or about to be).
    /// - Returns: false when the lock is not held or the check failed.
    public func isHeld() async -> Bool {
        (try? await onQueue { [self] in
            guard held else { return false }
            do {
                return try stillHeld()
            } catch {
                close()
                return false
            }
        }) ?? false
    }

    /// Releases the lock by closing the session; a later `tryAcquire()` connects again.
    public func release() async {
        _ = try? await onQueue { [self] in close() }
    }

    /// The server process of the lock's session, while connected (tests use it to cut the connection).
    public func backendPID() async -> Int32? {
        (try? await onQueue { [self] in connection?.backendPID }) ?? nil
    }

    // MARK: On the queue

    private func connect() throws -> PostgresConnection {
        let connection = try PostgresConnection(url: url, endpoint: endpoint)
        // Named in pg_stat_activity; keepalives let the server notice a vanished replica (values are seconds).
        try connection.executeScript(
            "SET application_name = 'slipway-leader'; SET tcp_keepalives_idle = 10; "
                + "SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3")
        self.connection = connection
        return connection
    }

    private func stillHeld() throws -> Bool {
        guard let connection else {
            held = false
            return false
        }
        // A bigint key is listed as classid = its high 32 bits, objid = its low 32 bits, objsubid = 1.
        let count = try connection.query(
            """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
              AND classid::bigint = $1 AND objid::bigint = $2
            """,
            [.integer(Int64(UInt64(bitPattern: key) >> 32)), .integer(Int64(UInt64(bitPattern: key) & 0xffff_ffff))]
        ) { try $0.requiredInt(at: 0, "count") }
        held = (count.first ?? 0) > 0
        return held
    }

    private func close() {
        connection = nil  // PQfinish in deinit ends the session, and with it the lock
        held = false
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
