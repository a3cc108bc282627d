import Foundation
import SlipwayHTTP
import SlipwaySlack
import Synchronization

/// Remembers rendered `/status` replies until the store changes (or briefly, for changes made by other replicas),
/// so the most frequent command is answered without reading the store.
final class StatusCache: Sendable {
    private struct Entry {
        var generation: UInt64
        var expiresAt: Date
        var message: SlackMessage
        /// The JSON reply, marked reusable so the server builds its wire form once per entry.
        var reply: HTTPResponse
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

    /// The cached reply for `key`, rendered by `render` when missing, stale or older than `generation`.
    func message(for key: Key, generation: UInt64, now: Date, render: () throws -> SlackMessage) rethrows
        -> SlackMessage
    {
        try entry(for: key, generation: generation, now: now, render: render).message
    }

    /// The cached reply as a ready HTTP response, so the ack path neither encodes nor builds it again.
    func reply(for key: Key, generation: UInt64, now: Date, render: () throws -> SlackMessage) rethrows
        -> HTTPResponse
    {
        try entry(for: key, generation: generation, now: now, render: render).reply
    }

    private func entry(for key: Key, generation: UInt64, now: Date, render: () throws -> SlackMessage) rethrows
        -> Entry
    {
        if let hit = entries.withLock({ $0[key] }), hit.generation == generation, hit.expiresAt > now {
            return hit
        }
        let message = try render()
        let entry = Entry(
            generation: generation, expiresAt: now.addingTimeInterval(ttl), message: message,
            reply: HTTPResponse.json(200, message.jsonBytes()).reusable())
        entries.withLock { entries in
            if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
            entries[key] = entry
        }
        return entry
    }
}
