import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

/// The store implementations the shared behaviour tests run against.
enum StoreBackend: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite
    case postgres

    /// Both, unless `SLIPWAY_SKIP_POSTGRES=1`.
    static var enabled: [StoreBackend] { TestPostgres.isSkipped ? [.sqlite] : [.sqlite, .postgres] }

    var description: String { rawValue }

    /// Runs `body` with a fresh place for a database (a new temporary SQLite file, or a new PostgreSQL database),
    /// removed afterwards.
    func withLocation<T>(_ body: (StoreLocation) throws -> T) throws -> T {
        let location = try StoreLocation(self)
        defer { location.remove() }
        return try body(location)
    }

    /// Runs `body` with a fresh, migrated store.
    func withStore<T>(_ body: (any Store) throws -> T) throws -> T {
        try withLocation { location in try body(location.open()) }
    }
}

/// Where one test's database lives; it can be opened several times (migrations, restarts).
final class StoreLocation {
    let backend: StoreBackend
    private let directory: String?
    private let database: TestPostgres.Database?

    init(_ backend: StoreBackend) throws {
        self.backend = backend
        switch backend {
        case .sqlite:
            directory =
                FileManager.default.temporaryDirectory
                .appendingPathComponent("slipway-store-\(UUID().uuidString.prefix(8))").path
            database = nil
        case .postgres:
            directory = nil
            database = try TestPostgres.makeDatabase()
        }
    }

    /// A file in a directory that does not exist yet (the store creates it).
    var sqlitePath: String { (directory ?? "") + "/db/slipway.sqlite" }
    var postgresURL: String { database?.url ?? "" }

    func open(schemaVersion: Int = StoreSchema.latestVersion, maxConnections: Int = 8) throws -> any Store {
        switch backend {
        case .sqlite: try SQLiteStore(path: sqlitePath, maxReaders: maxConnections, schemaVersion: schemaVersion)
        case .postgres:
            try PostgresStore(url: postgresURL, maxConnections: maxConnections, schemaVersion: schemaVersion)
        }
    }

    /// Runs the migrator on a connection of its own. - Returns: the versions it applied.
    func migrate() throws -> [Int] {
        switch backend {
        case .sqlite:
            try StoreMigrator.migrate(SQLiteConnection(path: sqlitePath, readOnly: false, busyTimeout: .seconds(5)))
        case .postgres:
            try StoreMigrator.migrate(
                PostgresConnection(url: postgresURL, endpoint: PostgresEndpoint(connectionString: postgresURL)))
        }
    }

    func remove() {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        database?.drop()
    }
}
