import Foundation
import SlipwayStore

/// The signed Slack request a thread is handling, so that the first write transaction the request makes also records
/// the request's signature in the store — in the same transaction as the request's effect.
///
/// The in-memory `SlackReplayGuard` catches a replay sent to the same process on the acknowledgement path without a
/// store round trip. A replay sent to another replica sharing the PostgreSQL store (or to a restarted process) is
/// caught here: its first write finds the signature already recorded, the transaction rolls back, and the endpoint
/// answers "already handled". Two replicas handling the same signature at once serialise on the row: one commits,
/// the other finds it. Requests that change nothing (`/status`, a refusal) write nothing and record nothing.
///
/// Set on the HTTP thread by `SlackEndpoints` around the synchronous handler; `ObservedStore` calls
/// ``record(in:)`` inside each outermost write transaction on that thread and ``committed()`` after it commits.
final class SlackRequestLedger {
    let signature: String
    let now: Date
    let expiresAt: Date
    /// A write of this request committed with the signature recorded: later writes need not record it again.
    private(set) var recorded = false
    /// The store already knew the signature: this request is a replay and changed nothing.
    private(set) var replayed = false

    init(signature: String, now: Date, expiresAt: Date) {
        self.signature = signature
        self.now = now
        self.expiresAt = expiresAt
    }

    /// The request being handled on this thread, if any.
    static var current: SlackRequestLedger? { handled.value }
    private static let handled = ThreadLocalReference<SlackRequestLedger>()

    /// Runs a synchronous handler with this request as the thread's current one.
    func handling<T>(_ body: () throws -> T) rethrows -> T { try Self.handled.with(self, body) }

    /// Records the signature in the write transaction `writer` belongs to, unless an earlier write of this request
    /// did.
    /// - Throws: `SlackRequestReplayed` when the store already holds it, so the transaction rolls back.
    func record(in writer: any StoreWriter) throws {
        guard !recorded else { return }
        guard try writer.rememberSlackSignature(signature, now: now, expiresAt: expiresAt) else {
            replayed = true
            throw SlackRequestReplayed()
        }
    }

    /// The write transaction that recorded the signature committed.
    func committed() { recorded = true }
}

/// A signed Slack request whose signature the store already holds: it was handled, here or by another replica.
struct SlackRequestReplayed: Error, CustomStringConvertible {
    var description: String { "this Slack request was already handled" }
}
