/// The SQL flavour a connection speaks. Statements are written once with `$1`-style parameters, which PostgreSQL
/// takes as they are and SQLite takes as `?1`; the schema differs only in the few places listed here.
enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// Column definition of an ever-increasing row number used as primary key and tie-breaker.
    var sequenceColumn: String {
        switch self {
        case .sqlite: "INTEGER PRIMARY KEY"
        case .postgres: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        }
    }

    /// Collation that compares bytes, so prefix ranges over hex strings use the index in every locale.
    var binaryCollation: String {
        switch self {
        case .sqlite: "COLLATE BINARY"
        case .postgres: "COLLATE \"C\""
        }
    }

    /// Table option for tables looked up only by their primary key: SQLite then keeps one b-tree instead of two,
    /// which is one page less to write per insert.
    var withoutRowID: String {
        switch self {
        case .sqlite: "WITHOUT ROWID"
        case .postgres: ""
        }
    }

    /// Replaces the `{seq}`, `{binary}` and `{without_rowid}` placeholders of schema text.
    func schema(_ template: String) -> String {
        template.replacingOccurrences(of: "{seq}", with: sequenceColumn)
            .replacingOccurrences(of: "{binary}", with: binaryCollation)
            .replacingOccurrences(of: "{without_rowid}", with: withoutRowID)
    }
}
