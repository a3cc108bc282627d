import DeployCore
import Foundation

enum HistorySQL {
    static let recentImages =
        "SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 ORDER BY built_at DESC, tag, sha LIMIT $2"
}

extension SQLTransaction {
    // MARK: Environment history (deploy decisions)

    func recentImages(service: String, limit: Int) throws -> [BuiltImage] {
        try query(HistorySQL.recentImages, [.text(service), .integer(Int64(max(0, limit)))], StoreRows.image)
    }
}
