import CSQLite

/// The current row of a stepping SQLite statement.
struct SQLiteRow: SQLRow {
    let statement: OpaquePointer

    func integer(at column: Int) -> Int64? {
        let index = Int32(column)
        guard sqlite3_column_type(statement, index) != SQLITE_NULL else { return nil }
        return sqlite3_column_int64(statement, index)
    }

    func text(at column: Int) -> String? {
        let index = Int32(column)
        guard sqlite3_column_type(statement, index) != SQLITE_NULL,
            let bytes = sqlite3_column_text(statement, index)
        else { return nil }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}
