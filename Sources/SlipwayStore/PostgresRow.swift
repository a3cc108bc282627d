import CLibPQ
import Foundation

/// One row of a text-format libpq result.
struct PostgresRow: SQLRow {
    let result: OpaquePointer
    let row: Int32

    func integer(at column: Int) -> Int64? {
        let index = Int32(column)
        guard PQgetisnull(result, row, index) == 0, let value = PQgetvalue(result, row, index) else { return nil }
        return strtoll(value, nil, 10)
    }

    func text(at column: Int) -> String? {
        let index = Int32(column)
        guard PQgetisnull(result, row, index) == 0, let value = PQgetvalue(result, row, index) else { return nil }
        let count = Int(PQgetlength(result, row, index))
        return value.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }
}
