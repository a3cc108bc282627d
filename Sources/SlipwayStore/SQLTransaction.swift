import DeployCore
import Foundation

/// The reader and writer handed to `Store.read` / `Store.write` bodies: every query of the store protocol, written
/// once over `SQLConnection` and shared by the SQLite and PostgreSQL stores.
///
/// It is valid only while its body runs; using it afterwards (after escaping the closure) throws.
final class SQLTransaction<Connection: SQLConnection>: StoreWriter {
    let connection: Connection
    let isWritable: Bool
    private var isOpen = true

    init(_ connection: Connection, writable: Bool) {
        self.connection = connection
        self.isWritable = writable
    }

    /// Runs `body` in a transaction on `connection`: commits when it returns, rolls back when it (or the commit)
    /// throws.
    static func run<T>(
        on connection: Connection, writable: Bool, _ body: (SQLTransaction<Connection>) throws -> T
    ) throws -> T {
        try connection.begin(writable: writable)
        let transaction = SQLTransaction(connection, writable: writable)
        defer { transaction.isOpen = false }
        let result: T
        do {
            result = try body(transaction)
        } catch {
            connection.rollback()
            throw error
        }
        do {
            try connection.commit()
        } catch {
            connection.rollback()
            throw error
        }
        return result
    }

    /// Runs `body` inside a transaction already open on the connection (a read nested in a write), without
    /// committing.
    static func joined<T>(on connection: Connection, _ body: (SQLTransaction<Connection>) throws -> T) rethrows -> T {
        let transaction = SQLTransaction(connection, writable: false)
        defer { transaction.isOpen = false }
        return try body(transaction)
    }

    /// Ends the transaction's validity: later calls throw.
    func close() {
        isOpen = false
    }

    func query<T>(_ sql: String, _ parameters: [SQLValue], _ map: (Connection.Row) throws -> T) throws -> [T] {
        try checkOpen()
        return try connection.query(sql, parameters, map)
    }

    func first<T>(_ sql: String, _ parameters: [SQLValue], _ map: (Connection.Row) throws -> T) throws -> T? {
        try query(sql, parameters, map).first
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        try checkOpen()
        guard isWritable else { throw StoreError.query("cannot change data in a read transaction") }
        return try connection.execute(sql, parameters)
    }

    private func checkOpen() throws {
        guard isOpen else {
            throw StoreError.query("transaction used after its read/write body returned")
        }
    }
}
