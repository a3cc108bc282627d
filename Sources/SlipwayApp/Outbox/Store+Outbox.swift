import DeployCore
import Foundation
import SlipwayStore

/// The outbox's common store calls, made on the store's own threads.
extension Store {
    /// The deploy with this id, read on the store's own threads.
    func deploy(id: String) async throws -> Deploy? {
        try await executor.run { try self.read { r in try r.deploy(id: id) } }
    }

    /// Records the outbox message `key` delivered, on the store's own threads.
    func markOutboxDelivered(_ key: String, at now: Date) async throws {
        try await executor.run { try self.write { w in try w.markDelivered(key: key, at: now) } }
    }
}
