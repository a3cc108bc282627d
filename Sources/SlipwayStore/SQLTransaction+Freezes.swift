import DeployCore
import Foundation

private enum SQL {
    static let columns = "scope, reason, created_by, created_at, ends_at"
    static let insert = "INSERT INTO ad_hoc_freezes (\(columns)) VALUES ($1, $2, $3, $4, $5)"
    static let active =
        "SELECT \(columns) FROM ad_hoc_freezes WHERE created_at <= $1 AND ends_at > $1 ORDER BY created_at, seq"
    static let removeScope = "DELETE FROM ad_hoc_freezes WHERE scope = $1 RETURNING \(columns)"
    static let removeAll = "DELETE FROM ad_hoc_freezes RETURNING \(columns)"
    static let expired = """
        DELETE FROM ad_hoc_freezes WHERE seq IN (
            SELECT seq FROM ad_hoc_freezes WHERE ends_at <= $1 LIMIT $2)
        """
}

/// The `scope` column's value for every environment.
private let everyEnvironment = "*"

extension SQLTransaction {
    func adHocFreezes(activeAt now: Date) throws -> [AdHocFreeze] {
        try query(SQL.active, [SQLValue(now)], freezeRow)
    }

    func insert(_ freeze: AdHocFreeze) throws {
        let scope: String
        switch freeze.scope {
        case .all: scope = everyEnvironment
        case .environment(let name): scope = name
        }
        try execute(
            SQL.insert,
            [.text(scope), .text(freeze.reason), .text(freeze.by), SQLValue(freeze.createdAt), SQLValue(freeze.endsAt)])
    }

    func removeFreezes(_ scope: AdHocFreeze.Scope, now: Date) throws -> [AdHocFreeze] {
        try checkWritable()
        let removed: [AdHocFreeze]
        switch scope {
        case .all: removed = try query(SQL.removeAll, [], freezeRow)
        case .environment(let name): removed = try query(SQL.removeScope, [.text(name)], freezeRow)
        }
        return removed.filter { $0.createdAt <= now && $0.endsAt > now }.sorted { $0.createdAt < $1.createdAt }
    }

    /// Deletes up to `limit` freezes that ended at or before `now`.
    func pruneFreezes(endedBy now: Date, limit: SQLValue) throws -> Int {
        try execute(SQL.expired, [SQLValue(now), limit])
    }

}

private func freezeRow<Row: SQLRow>(_ row: Row) throws -> AdHocFreeze {
    let scope = try row.requiredText(at: 0, "scope")
    return AdHocFreeze(
        scope: scope == everyEnvironment ? .all : .environment(scope), endsAt: try row.requiredDate(at: 4, "ends_at"),
        reason: try row.requiredText(at: 1, "reason"), by: try row.requiredText(at: 2, "created_by"),
        createdAt: try row.requiredDate(at: 3, "created_at"))
}
