import CSQLite
import Foundation

/// One SQLite connection with its prepared-statement cache. Used by one thread at a time (the store's writer
/// lock or reader pool sees to that), so it is opened in multi-thread mode without SQLite's own mutexes.
final class SQLiteConnection: SQLConnection, PooledConnection {
    let dialect = SQLDialect.sqlite
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    /// The same statements found by the address of their SQL text (checked against the text on every hit).
    private var statementsByAddress: [UInt: (sql: String, statement: SQLiteStatement)] = [:]
    /// Told about the WAL size after each commit; kept alive by the connection that calls it.
    private var walObserver: SQLiteCheckpointer?

    /// Opens (and creates, when `readOnly` is false) the database at `path`.
    /// - Parameter readOnly: a reader: `query_only` is set, so a stray write fails instead of taking the lock.
    /// - Parameter vfs: SQLite's VFS by name, or nil for SQLite's default; by default the one `SQLiteStore` uses
    ///   (so a connection opened beside a store in this process shares its lock).
    init(
        path: String, readOnly: Bool, busyTimeout: Duration,
        vfs: String? = SQLiteStore.ProcessAccess.fromEnvironment.vfs
    )
        throws
    {
        var database: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &database, flags, vfs)
        guard code == SQLITE_OK, let database else {
            let message = database.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(database)
            throw StoreError.open("cannot open SQLite database \(path): \(message)")
        }
        handle = database
        sqlite3_extended_result_codes(handle, 1)
        let milliseconds =
            busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        slipway_sqlite_busy_timeout(handle, Int32(clamping: milliseconds))
        do {
            try executeScript("PRAGMA foreign_keys = ON")
            if readOnly { try executeScript("PRAGMA query_only = ON") }
        } catch let error as StoreError {
            throw StoreError.open("cannot set up SQLite database \(path): \(error.message)")
        }
    }

    deinit {
        if walObserver != nil { sqlite3_wal_hook(handle, nil, nil) }
        statements.removeAll()
        statementsByAddress.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Hands checkpoints to `checkpointer` instead of running them inside commits.
    func delegateCheckpoints(to checkpointer: SQLiteCheckpointer) {
        walObserver = checkpointer
        // Installing a WAL hook also turns off the automatic checkpoint of this connection.
        sqlite3_wal_hook(
            handle,
            { context, database, _, frames in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue()
                if checkpointer.walCommitted(frames: frames) {
                    // SQLite's own automatic checkpoint runs from this hook the same way. PASSIVE never waits: if
                    // the checkpoint thread is busy, the next commit tries again.
                    sqlite3_wal_checkpoint_v2(database, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(checkpointer).toOpaque())
    }

    /// Runs a PASSIVE checkpoint: copies what it can without waiting for writers or readers.
    func checkpoint() {
        var frames: Int32 = 0
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, nil)
        // A connection that has never read the file (the checkpointer's own) does not know it is in WAL mode yet:
        // SQLite then checkpoints nothing and reports -1 frames. One read settles that for the connection's life.
        if frames == -1, (try? executeScript("SELECT count(*) FROM sqlite_master")) != nil {
            sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    func prepareForUse() throws {}

    // MARK: SQLConnection

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int {
        let statement = try cachedStatement(sql, parameters)
        defer { statement.reset() }
        while true {
            let code = sqlite3_step(statement.handle)
            if code == SQLITE_DONE { break }
            if code != SQLITE_ROW { throw error(code, sql) }
        }
        return Int(sqlite3_changes(handle))
    }

    func query<T>(_ sql: String, _ parameters: [SQLValue], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        let statement = try cachedStatement(sql, parameters)
        defer { statement.reset() }
        var rows: [T] = []
        let row = SQLiteRow(statement: statement.handle)
        while true {
            let code = sqlite3_step(statement.handle)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw error(code, sql) }
            rows.append(try map(row))
        }
        return rows
    }

    func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            throw Self.error(code, text, sql)
        }
    }

    func begin(writable: Bool) throws {
        // IMMEDIATE takes the write lock now, so a write never fails half-way with SQLITE_BUSY on lock upgrade.
        try execute(writable ? "BEGIN IMMEDIATE" : "BEGIN", [])
    }

    func commit() throws {
        try execute("COMMIT", [])
    }

    func rollback() {
        guard isInTransaction else { return }
        _ = try? execute("ROLLBACK", [])
    }

    /// True while a transaction is open (SQLite ends one by itself after some failures).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Undoes everything since `SAVEPOINT name` and removes the savepoint. - Returns: false when that failed.
    func rollbackToSavepoint(_ name: String) -> Bool {
        do {
            try execute("ROLLBACK TO \(name)", [])
            try execute("RELEASE \(name)", [])
            return true
        } catch {
            return false
        }
    }

    // MARK: Statements and errors

    private func cachedStatement(_ sql: String, _ parameters: [SQLValue]) throws -> SQLiteStatement {
        let statement: SQLiteStatement
        // Most SQL comes from long-lived constants: find those by the address of their text before hashing
        // hundreds of characters (the webhook's write runs a dozen statements while others wait for it).
        let address = sql.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? 0
        if address != 0, let hit = statementsByAddress[address], hit.sql == sql {
            statement = hit.statement
        } else if let cached = statements[sql] {
            statement = cached
            rememberAddress(address, sql, cached)
        } else {
            // `$1` parameters are numbered parameters `?1` in SQLite.
            let text = sql.replacingOccurrences(of: "$", with: "?")
            let prepared = SQLiteStatement.prepare(text, database: handle, persistent: true)
            guard let new = prepared.statement else { throw error(prepared.code, sql) }
            statement = new
            statements[sql] = statement
            rememberAddress(address, sql, new)
        }
        let code = statement.bind(parameters)
        guard code == SQLITE_OK else {
            statement.reset()
            throw error(code, sql)
        }
        return statement
    }

    private func rememberAddress(_ address: UInt, _ sql: String, _ statement: SQLiteStatement) {
        guard address != 0 else { return }
        if statementsByAddress.count >= 512 { statementsByAddress.removeAll(keepingCapacity: true) }
        statementsByAddress[address] = (sql, statement)
    }

    private func error(_ code: Int32, _ sql: String) -> StoreError {
        Self.error(code, String(cString: sqlite3_errmsg(handle)), sql)
    }

    /// The one place SQLite result codes become `StoreError`s; the message names the statement, never its values.
    private static func error(_ code: Int32, _ message: String, _ sql: String) -> StoreError {
        let statement = sql.split(whereSeparator: \.isNewline).first.map { String($0.prefix(60)) } ?? ""
        let text = "\(message) (SQLite \(code)) in `\(statement)`"
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(text)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt(text)
        default: return .query(text)
        }
    }
}
