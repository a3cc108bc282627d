import DeployCore
import Foundation

private enum SQL {
    static let environment =
        "SELECT \(StoreRows.environmentColumns) FROM environments WHERE service = $1 AND environment = $2"
    static let environments = "SELECT \(StoreRows.environmentColumns) FROM environments ORDER BY service, environment"
    static let upsert = """
        INSERT INTO environments (\(StoreRows.environmentColumns)) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (service, environment) DO UPDATE
        SET current_tag = excluded.current_tag, live_tag = excluded.live_tag, updated_at = excluded.updated_at
        """
    static let lock =
        "SELECT \(StoreRows.lockColumns) FROM environment_locks WHERE service = $1 AND environment = $2"
    static let locks = "SELECT \(StoreRows.lockColumns) FROM environment_locks ORDER BY service, environment"
    static let insertLock = """
        INSERT INTO environment_locks (\(StoreRows.lockColumns)) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (service, environment) DO NOTHING
        """
    static let deleteLock =
        "DELETE FROM environment_locks WHERE service = $1 AND environment = $2 RETURNING \(StoreRows.lockColumns)"
}

extension SQLTransaction {
    func environment(service: String, environment: String) throws -> EnvironmentRecord? {
        try first(SQL.environment, [.text(service), .text(environment)], StoreRows.environment)
    }

    func environments() throws -> [EnvironmentRecord] {
        try query(SQL.environments, [], StoreRows.environment)
    }

    func upsert(_ environment: EnvironmentRecord) throws {
        try execute(SQL.upsert, StoreRows.environmentValues(environment))
    }

    func lock(service: String, environment: String) throws -> EnvironmentLock? {
        try first(SQL.lock, [.text(service), .text(environment)], StoreRows.lock)
    }

    func locks() throws -> [EnvironmentLock] {
        try query(SQL.locks, [], StoreRows.lock)
    }

    func insertLock(_ lock: EnvironmentLock) throws -> EnvironmentLock? {
        // With concurrent replicas the conflicting lock may be deleted between the insert and the read: try again.
        for _ in 0..<3 {
            if try execute(SQL.insertLock, StoreRows.lockValues(lock)) == 1 { return nil }
            if let existing = try self.lock(service: lock.service, environment: lock.environment) { return existing }
        }
        throw StoreError.busy("lock on \(lock.service)/\(lock.environment) keeps changing; try again")
    }

    func deleteLock(service: String, environment: String) throws -> EnvironmentLock? {
        try checkWritable()
        return try first(SQL.deleteLock, [.text(service), .text(environment)], StoreRows.lock)
    }

    /// For statements that change data but return rows (`RETURNING`), which go through `query`.
    func checkWritable() throws {
        guard isWritable else { throw StoreError.query("cannot change data in a read transaction") }
    }
}
