import Foundation

/// Brings a database to a schema version by applying the missing `StoreSchema` migrations in one transaction.
enum StoreMigrator {
    /// Key of the PostgreSQL advisory lock held while migrating ("slipway" in ASCII).
    static let advisoryLockKey: Int64 = 0x736c_6970_7761_79

    /// - Parameters:
    ///   - connection: a connection with no open transaction.
    ///   - target: the version to reach; migrations after it are left out (tests use this to build old databases).
    /// - Returns: the versions applied now (empty when the database was already current).
    @discardableResult
    static func migrate<Connection: SQLConnection>(
        _ connection: Connection, to target: Int = StoreSchema.latestVersion
    ) throws -> [Int] {
        let dialect = connection.dialect
        do {
            try connection.begin(writable: true)
        } catch let error as StoreError {
            throw StoreError.migrate("cannot start the migration: \(error.message)")
        }
        var step = "reading schema_migrations"
        do {
            if dialect == .postgres {
                // Serializes replicas that start together; released at commit or rollback.
                _ = try connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(advisoryLockKey)]) { _ in () }
            }
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at BIGINT NOT NULL
                )
                """)
            let applied = Set(
                try connection.query("SELECT version FROM schema_migrations", []) {
                    try $0.requiredInt(at: 0, "version")
                })
            if let newest = applied.max(), newest > StoreSchema.latestVersion {
                throw NewerSchema(version: newest)
            }
            var done: [Int] = []
            for migration in StoreSchema.migrations where migration.version <= target {
                guard !applied.contains(migration.version) else { continue }
                step = "migration \(migration.version) (\(migration.name))"
                for statement in migration.statements {
                    try connection.executeScript(dialect.schema(statement))
                }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    [.integer(Int64(migration.version)), .text(migration.name), SQLValue(Date())])
                done.append(migration.version)
            }
            try connection.commit()
            return done
        } catch let error as NewerSchema {
            connection.rollback()
            throw StoreError.migrate(
                "the database has schema version \(error.version) but this Slipway knows only up to "
                    + "\(StoreSchema.latestVersion); run a newer Slipway")
        } catch let error as StoreError {
            connection.rollback()
            throw StoreError.migrate("\(step) failed: \(error.message)")
        } catch {
            connection.rollback()
            throw StoreError.migrate("\(step) failed: \(error)")
        }
    }

    private struct NewerSchema: Error {
        let version: Int
    }
}
