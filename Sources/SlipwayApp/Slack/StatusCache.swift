import Foundation
import SlipwaySlack

/// Remembers rendered `/status` replies until the store changes (or briefly, for changes made by other replicas),
/// so the most frequent command is answered without reading the store.
final class StatusCache: @unchecked Sendable {
    private struct Entry {
        var generation: UInt64
        var expiresAt: Date
        var message: SlackMessage
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private let ttl: TimeInterval
    private let maxEntries = 512

    init(ttl: TimeInterval) { self.ttl = ttl }

    /// The cached reply for `key`, rendered by `render` when missing, stale or older than `generation`.
    func message(for key: String, generation: UInt64, now: Date, render: () throws -> SlackMessage) rethrows
        -> SlackMessage
    {
        if let hit = lock.withLock({ entries[key] }), hit.generation == generation, hit.expiresAt > now {
            return hit.message
        }
        let message = try render()
        lock.withLock {
            if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(generation: generation, expiresAt: now.addingTimeInterval(ttl), message: message)
        }
        return message
    }
}
