import CLibPQ
import Foundation

/// One libpq connection with its prepared statements. Used by one thread at a time (the pool sees to that).
/// Parameters and results travel in text format; statements are prepared once per connection by SQL text.
final class PostgresConnection: SQLConnection, PooledConnection {
    let dialect = SQLDialect.postgres
    let endpoint: PostgresEndpoint
    private let handle: OpaquePointer
    /// SQL text → server-side statement name, for this session only (a reset starts a new session).
    private var prepared: [String: String] = [:]
    /// Set when the last failure was a serialization failure or deadlock: the transaction can be run again.
    private(set) var lastFailureWasConflict = false

    /// Connects to `url` (a `postgresql://` URL or a libpq `key=value` string).
    /// - Throws: `StoreError.open` naming host, port and database, with libpq's reason.
    init(url: String, endpoint: PostgresEndpoint) throws {
        self.endpoint = endpoint
        // Keywords before `dbname` are defaults the URL may override; `dbname` is expanded as a full URL.
        let keywords = ["connect_timeout", "fallback_application_name", "dbname"]
        let values = ["10", "slipway", url]
        let connection = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw StoreError.open("cannot connect to PostgreSQL at \(endpoint): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError.open("cannot connect to PostgreSQL at \(endpoint): \(reason)")
        }
        handle = connection
        try configureSession()
    }

    deinit {
        PQfinish(handle)
    }

    /// The server process serving this connection (tests use it to cut the connection).
    var backendPID: Int32 { PQbackendPID(handle) }

    // MARK: PooledConnection

    func prepareForUse() throws {
        if PQstatus(handle) != CONNECTION_OK {
            try reconnect()
        } else if PQtransactionStatus(handle) != PQTRANS_IDLE {
            rollback()
        }
    }

    /// Re-establishes a broken connection with the same parameters (`PQreset`).
    func reconnect() throws {
        PQreset(handle)
        prepared.removeAll()
        guard PQstatus(handle) == CONNECTION_OK else {
            throw StoreError.busy(
                "lost the connection to PostgreSQL at \(endpoint) and cannot reconnect: \(Self.message(PQerrorMessage(handle)))"
            )
        }
        try configureSession()
    }

    private func configureSession() throws {
        // `CREATE ... IF NOT EXISTS` and friends send NOTICEs that libpq would print on stderr.
        _ = try simple("SET client_min_messages TO warning")
    }

    // MARK: SQLConnection

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        try run(sql, parameters).changedRows
    }

    func query<T>(_ sql: String, _ parameters: [SQLValue], _ map: (PostgresRow) throws -> T) throws -> [T] {
        let result = try run(sql, parameters)
        return try (0..<Int32(result.rowCount)).map { try map(PostgresRow(result: result.handle, row: $0)) }
    }

    func executeScript(_ sql: String) throws {
        _ = try simple(sql)
    }

    func begin(writable: Bool) throws {
        lastFailureWasConflict = false
        // Writes run at READ COMMITTED: every statement sees the latest commits, and the conflict clauses and
        // version checks in the SQL make concurrent writers safe. Reads get one snapshot for the whole body.
        let sql = writable ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        do {
            _ = try simple(sql)
        } catch  where PQstatus(handle) != CONNECTION_OK {
            // The server dropped the idle connection (restart, idle timeout): nothing was sent yet, so reconnect.
            try reconnect()
            _ = try simple(sql)
        }
    }

    func commit() throws {
        let result = try simple("COMMIT")
        guard result.commandStatus == "COMMIT" else {
            throw StoreError.query("PostgreSQL rolled the transaction back because a statement in it failed")
        }
    }

    func rollback() {
        guard PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        _ = try? simple("ROLLBACK")
    }

    // MARK: Statements and errors

    private func run(_ sql: String, _ parameters: [SQLValue]) throws -> PostgresResult {
        let name = try statementName(sql, parameterCount: parameters.count)
        let texts: [String?] = parameters.map { value in
            switch value {
            case .null: nil
            case .integer(let integer): String(integer)
            case .text(let text): text
            }
        }
        let result = Self.withCStrings(texts) { values in
            PQexecPrepared(handle, name, Int32(texts.count), values, nil, nil, 0)
        }
        return try check(result, sql)
    }

    private func statementName(_ sql: String, parameterCount: Int) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "slipway_\(prepared.count + 1)"
        _ = try check(PQprepare(handle, name, sql, 0, nil), sql)
        prepared[sql] = name
        return name
    }

    /// Runs SQL with the simple query protocol (several statements allowed, no parameters).
    private func simple(_ sql: String) throws -> PostgresResult {
        try check(PQexec(handle, sql), sql)
    }

    /// The one place libpq results become `StoreError`s, with the server's message and SQLSTATE.
    private func check(_ result: OpaquePointer?, _ sql: String) throws -> PostgresResult {
        guard let result else {
            throw StoreError.busy("PostgreSQL at \(endpoint): \(Self.message(PQerrorMessage(handle)))")
        }
        let owned = PostgresResult(result)
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY {
            return owned
        }
        let sqlState = PQresultErrorField(result, slipway_pq_diag_sqlstate()).map { String(cString: $0) } ?? ""
        let reason = Self.message(PQresultErrorMessage(result))
        let statement = sql.split(whereSeparator: \.isNewline).first.map { String($0.prefix(60)) } ?? ""
        let text = "\(reason) (SQLSTATE \(sqlState.isEmpty ? "none" : sqlState)) in `\(statement)`"
        if PQstatus(handle) != CONNECTION_OK || sqlState.hasPrefix("08") {
            throw StoreError.busy("lost the connection to PostgreSQL at \(endpoint): \(text)")
        }
        switch sqlState {
        case "40001", "40P01":
            lastFailureWasConflict = true
            throw StoreError.busy(text)
        case "55P03", "57014", "53300": throw StoreError.busy(text)
        case "XX001", "XX002": throw StoreError.corrupt(text)
        default: throw StoreError.query(text)
        }
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Calls `body` with a C array of NUL-terminated copies of `strings` (nil stays a null pointer), followed by
    /// a null pointer that ends the array for libpq calls without a count (`PQconnectdbParams`).
    private static func withCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies = strings.map { $0.flatMap { strdup($0) } }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
    }
}
