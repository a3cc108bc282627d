import DeployCore
import Foundation
import SlipwayApp
import SlipwayStore
import SlipwayTesting
import Testing

/// Expired idempotency keys and cached values, and outbox messages finished more than a week ago, are deleted when
/// the services start and every hour after; pending messages stay.
@Suite("Store pruning service", .serialized, .harnessScope)
struct StorePrunerTests {
    static let day: Double = 24 * 3600

    static func message(_ key: String, createdAt: Date, nextAttemptAt: Date? = nil) -> OutboxMessage {
        var message = OutboxMessage(
            key: key, deployId: nil, target: .channelMessage,
            payload: #"{"channel":"C0DEPLOYS","text":"\#(key)"}"#, createdAt: createdAt)
        if let nextAttemptAt { message.nextAttemptAt = nextAttemptAt }
        return message
    }

    /// Old rows of every kind, and rows that must survive, written as earlier runs of Slipway would have.
    static func seed(_ store: any Store, now: Date) throws {
        try store.write { w throws in
            _ = try w.rememberIdempotent(
                key: "nortinia-ltd/shop:0ld:staging", deployId: "d-old", now: now - 2 * day, expiresAt: now - day)
            _ = try w.rememberIdempotent(
                key: "nortinia-ltd/shop:fresh:staging", deployId: "d-fresh", now: now, expiresAt: now + day)
            try w.setCachedValue(key: "slack-user:gone@nortinia.example", value: "U0GONE", expiresAt: now - 60)
            try w.setCachedValue(key: "slack-user:carol@nortinia.example", value: "U0CAROL", expiresAt: now + day)
            try w.enqueue(message("delivered-8-days-ago", createdAt: now - 8 * day))
            try w.markDelivered(key: "delivered-8-days-ago", at: now - 8 * day)
            try w.enqueue(message("failed-8-days-ago", createdAt: now - 9 * day))
            try w.markFailed(key: "failed-8-days-ago", attempts: 8, error: "channel_not_found", at: now - 8 * day)
            try w.enqueue(message("delivered-yesterday", createdAt: now - 8 * day))
            try w.markDelivered(key: "delivered-yesterday", at: now - day)
            // Old but still pending (retrying later): never pruned, and not due during the test.
            try w.enqueue(message("pending-30-days", createdAt: now - 30 * day, nextAttemptAt: now + day))
        }
    }

    @Test("starting the services prunes at once: expired keys and values, outbox rows finished over 7 days ago")
    func prunesAtStart() async throws {
        let h = try SlipwayHarness()
        let now = Date()
        try Self.seed(h.app.store, now: now)

        h.startServices()
        #expect(
            await h.waitUntil {
                try h.app.store.read { r in
                    try r.outbox(key: "delivered-8-days-ago") == nil
                        && r.idempotentResult(key: "nortinia-ltd/shop:0ld:staging", now: now - 2 * Self.day) == nil
                }
            })
        try h.app.store.read { r throws in
            // Expired entries are gone even when asked about at a time they were still valid.
            #expect(try r.idempotentResult(key: "nortinia-ltd/shop:0ld:staging", now: now - 2 * Self.day) == nil)
            #expect(try r.cachedValue(key: "slack-user:gone@nortinia.example", now: now - 3600) == nil)
            #expect(try r.idempotentResult(key: "nortinia-ltd/shop:fresh:staging", now: now) == "d-fresh")
            #expect(try r.cachedValue(key: "slack-user:carol@nortinia.example", now: now) == "U0CAROL")
            #expect(try r.outbox(key: "failed-8-days-ago") == nil)
            #expect(try r.outbox(key: "delivered-yesterday")?.status == .delivered)
            #expect(try r.outbox(key: "pending-30-days")?.status == .pending)
        }
    }

    @Test("pruneOnce reports what it deleted, in batches, and a second run finds nothing")
    func countsInBatches() async throws {
        let h = try SlipwayHarness()
        let now = Date()
        try Self.seed(h.app.store, now: now)
        try h.app.store.write { w throws in
            for index in 0..<7 {
                _ = try w.rememberIdempotent(
                    key: "batch-\(index)", deployId: "", now: now - 2 * Self.day, expiresAt: now - Self.day)
            }
        }
        let pruner = StorePruner(
            configuration: .init(outboxRetention: 7 * Self.day, batchSize: 3), store: h.app.store, clock: { now },
            log: Log(minimum: .error))
        #expect(
            await pruner.pruneOnce() == PrunedRows(idempotencyKeys: 8, cachedValues: 1, outboxMessages: 2),
            "1 + 7 expired keys over three batches of 3")
        #expect(await pruner.pruneOnce() == PrunedRows())
        // A shorter retention reaches yesterday's delivery too; pending messages still stay.
        let strict = StorePruner(
            configuration: .init(outboxRetention: 3600), store: h.app.store, clock: { now }, log: Log(minimum: .error))
        #expect(await strict.pruneOnce() == PrunedRows(outboxMessages: 1))
        #expect(try h.app.store.read { r in try r.outboxCount(status: .pending) } == 1)
    }
}
