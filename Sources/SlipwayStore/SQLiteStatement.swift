import CSQLite

/// A prepared SQLite statement, owned by one `SQLiteConnection` and finalized with it.
final class SQLiteStatement {
    let handle: OpaquePointer

    /// - Returns: the statement, or nil and the SQLite result code (the connection turns it into an error).
    static func prepare(
        _ sql: String, database: OpaquePointer, persistent: Bool
    ) -> (statement: SQLiteStatement?, code: Int32) {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { sqlite3_prepare_v3(database, $0, -1, flags, &statement, nil) }
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            return (nil, code == SQLITE_OK ? SQLITE_MISUSE : code)
        }
        return (SQLiteStatement(statement), SQLITE_OK)
    }

    private init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds parameters 1…n. - Returns: the first failing SQLite result code, or `SQLITE_OK`.
    func bind(_ parameters: [SQLValue]) -> Int32 {
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .text(let text):
                let count = Int32(text.utf8.count)
                code = text.withCString { sqlite3_bind_text(handle, index, $0, count, slipway_sqlite_transient()) }
            }
            guard code == SQLITE_OK else { return code }
        }
        return SQLITE_OK
    }

    /// Makes the statement ready for the next use and releases what its last run held.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}
