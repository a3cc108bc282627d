import CLibPQ

/// Where a PostgreSQL URL points, for messages: `host:port/database`, never the user's password.
struct PostgresEndpoint: Sendable, CustomStringConvertible {
    let host: String
    let port: String
    let database: String

    /// Reads a `postgresql://` URL or a `key=value` connection string with libpq's own parser.
    /// - Throws: `StoreError.open` without echoing the text, which may hold a password.
    init(connectionString: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            PQfreemem(errorMessage)
            throw StoreError.open(
                "the PostgreSQL URL is not valid; expected postgresql://user:password@host:port/database")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                values[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        host = values["host"] ?? values["hostaddr"] ?? "localhost"
        port = values["port"] ?? "5432"
        database = values["dbname"] ?? values["user"] ?? "postgres"
    }

    var description: String { "\(host):\(port)/\(database)" }
}
