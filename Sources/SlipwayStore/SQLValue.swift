import Foundation

/// A value bound to a SQL parameter. Both stores keep only integers and text: dates are unix milliseconds and
/// booleans are 0/1, so one set of SQL statements and row decoders serves SQLite and PostgreSQL alike.
enum SQLValue {
    case null
    case integer(Int64)
    case text(String)

    init(_ text: String?) {
        self = text.map { .text($0) } ?? .null
    }

    init(_ integer: Int?) {
        self = integer.map { .integer(Int64($0)) } ?? .null
    }

    init(_ date: Date?) {
        self = date.map { .integer($0.storeMilliseconds) } ?? .null
    }

    init(_ flag: Bool?) {
        self = flag.map { .integer($0 ? 1 : 0) } ?? .null
    }
}
