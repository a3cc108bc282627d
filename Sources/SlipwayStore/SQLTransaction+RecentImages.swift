import DeployCore
import Foundation

private enum SQL {
    /// The service's rows come from the primary key's `service` prefix; a modal opened now and then sorts them.
    static let recentImages = """
        SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 ORDER BY built_at DESC, tag, sha LIMIT $2
        """
}

extension SQLTransaction {
    func recentImages(service: String, limit: Int) throws -> [BuiltImage] {
        try query(SQL.recentImages, [.text(service), .integer(Int64(max(0, limit)))], StoreRows.image)
    }
}
