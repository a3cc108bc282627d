import Foundation
import SlipwayHTTP
import SlipwaySlack
import Synchronization

/// Remembers rendered `/status` replies until the store changes (or briefly, for changes made by other replicas),
/// so the most frequent command is answered without reading the store.
final class StatusCache: Sendable {
    /// One rendered reply, as a Slack message and as the HTTP reply. A class, so a hit copies one reference out of
    /// the dictionary (under the lock, on a cache line every worker thread touches) rather than every field of the
    /// message and the reply.
    final class Entry: Sendable {
        let generation: UInt64?
        let expiresAt: Date
        let message: SlackMessage
        /// The JSON reply, marked reusable so the server builds its wire form once per entry.
        let reply: HTTPResponse

        init(generation: UInt64?, expiresAt: Date, message: SlackMessage) {
            self.generation = generation
            self.expiresAt = expiresAt
            self.message = message
            self.reply = HTTPResponse.json(200, message.jsonBytes()).reusable()
        }
    }

    /// What a reply depends on besides the store: `/status [service] [env]`.
    struct Key: Hashable {
        var service: String?
        var environment: String?
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let ttl: TimeInterval
    private let maxEntries = 512

    init(ttl: TimeInterval) { self.ttl = ttl }

    /// The reply for `key`, rendered by `render` when missing, stale or older than `generation`. A nil generation
    /// (a store without a change counter) renders every time and caches nothing.
    func entry(for key: Key, generation: UInt64?, now: Date, render: () throws -> SlackMessage) rethrows -> Entry {
        if let generation, let hit = entries.withLock({ $0[key] }), hit.generation == generation, hit.expiresAt > now {
            return hit
        }
        let entry = Entry(generation: generation, expiresAt: now.addingTimeInterval(ttl), message: try render())
        guard generation != nil else { return entry }
        entries.withLock { entries in
            if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
        return entry
    }
}
