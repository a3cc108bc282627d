import Foundation

/// One result row, read by column index in the order of the statement's select list.
protocol SQLRow: SendableMetatype {
    func integer(at column: Int) -> Int64?
    func text(at column: Int) -> String?
}

extension SQLRow {
    func requiredText(at column: Int, _ name: String) throws -> String {
        guard let value = text(at: column) else { throw StoreError.corrupt("\(name) is NULL") }
        return value
    }

    func int(at column: Int) -> Int? {
        integer(at: column).map { Int($0) }
    }

    func requiredInt(at column: Int, _ name: String) throws -> Int {
        guard let value = integer(at: column) else { throw StoreError.corrupt("\(name) is NULL") }
        return Int(value)
    }

    func date(at column: Int) -> Date? {
        integer(at: column).map { Date(storeMilliseconds: $0) }
    }

    func requiredDate(at column: Int, _ name: String) throws -> Date {
        guard let value = integer(at: column) else { throw StoreError.corrupt("\(name) is NULL") }
        return Date(storeMilliseconds: value)
    }

    func bool(at column: Int) -> Bool? {
        integer(at: column).map { $0 != 0 }
    }

    /// Decodes a stored raw value; an unknown one means the row was written by a newer Slipway or damaged.
    func enumeration<E: RawRepresentable>(at column: Int, _ name: String) throws -> E where E.RawValue == String {
        let raw = try requiredText(at: column, name)
        guard let value = E(rawValue: raw) else { throw StoreError.corrupt("unknown \(name) `\(raw)`") }
        return value
    }
}
