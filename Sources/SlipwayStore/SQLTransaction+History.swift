import DeployCore
import Foundation

enum HistorySQL {
    static let recentImages =
        "SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 ORDER BY built_at DESC, tag, sha LIMIT $2"
    /// Covered by `images_built`: no table row is read.
    static let recentImageTags = "SELECT tag FROM images WHERE service = $1 ORDER BY built_at DESC, tag, sha LIMIT $2"
    /// The deploys decisions read (`planningDeploys`): those that ran, and those not committed yet by state. Each
    /// condition is its partial index's (`deploys_ran`, `deploys_pending`; migration 7) word for word: SQLite uses
    /// a partial index only for a query that repeats its condition.
    static let ranDeploys =
        "SELECT \(StoreRows.deployRecordColumns) FROM deploys WHERE service = $1 AND environment = $2 AND "
        + "(git_commit IS NOT NULL OR state IN ('reconciling', 'rolling_out', 'verifying', 'succeeded', 'rolled_back')) "
        + "ORDER BY created_at DESC, seq DESC LIMIT $3"
    static let pendingDeploys =
        "SELECT \(StoreRows.deployRecordColumns) FROM deploys WHERE service = $1 AND environment = $2 AND state = $3 "
        + "AND (git_commit IS NULL AND state IN ('awaiting_approval', 'committing')) "
        + "ORDER BY created_at DESC, seq DESC LIMIT $4"
}

extension SQLTransaction {
    // MARK: Environment history (deploy decisions)

    func recentImages(service: String, limit: Int) throws -> [BuiltImage] {
        try query(HistorySQL.recentImages, [.text(service), .integer(Int64(max(0, limit)))], StoreRows.image)
    }

    func recentImageTags(service: String, limit: Int) throws -> [String] {
        try query(HistorySQL.recentImageTags, [.text(service), .integer(Int64(max(0, limit)))]) {
            try $0.requiredText(at: 0, "image tag")
        }
    }

    func planningDeploys(service: String, environment: String, limit: Int, queuedLimit: Int) throws
        -> [DeployHistory.Record]
    {
        let target: [SQLValue] = [.text(service), .text(environment)]
        let ran = try query(HistorySQL.ranDeploys, target + [.integer(Int64(max(0, limit)))], StoreRows.deployRecord)
        var pending: [DeployHistory.Record] = []
        for (state, most) in [(DeployState.awaitingApproval, limit), (.committing, queuedLimit)] {
            pending += try query(
                HistorySQL.pendingDeploys, target + [.text(state.rawValue), .integer(Int64(max(0, most)))],
                StoreRows.deployRecord)
        }
        guard !pending.isEmpty else { return ran }
        return (pending + ran).sorted { $0.createdAt > $1.createdAt }
    }
}
