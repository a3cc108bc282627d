import Foundation
import SlipwayStore

/// Keeps the store from growing without end: once when it starts and then every `interval`, it deletes expired
/// idempotency keys and cached values, and outbox messages delivered or given up on more than `outboxRetention`
/// ago. Pending messages are never deleted. Runs on the leader only, like the other background services.
public final class StorePruner: Service {
    public var name: String { "store-pruner" }
    /// How often and how much to prune.
    public struct Configuration: Sendable {
        /// Seconds between prunes (after the one at start).
        public var interval: Double
        /// Seconds a delivered or failed outbox message is kept, for `/status` and for looking into incidents.
        public var outboxRetention: Double
        /// Most rows of each kind deleted per transaction; a prune repeats until less than this is left.
        public var batchSize: Int

        /// - Parameters:
        ///   - interval: seconds between prunes; hourly by default.
        ///   - outboxRetention: seconds finished outbox messages are kept; 7 days by default.
        ///   - batchSize: rows of each kind per transaction.
        public init(interval: Double = 3600, outboxRetention: Double = 7 * 24 * 3600, batchSize: Int = 500) {
            self.interval = interval
            self.outboxRetention = outboxRetention
            self.batchSize = batchSize
        }
    }

    public let configuration: Configuration
    let store: any Store
    let clock: @Sendable () -> Date
    let log: Log

    public init(
        configuration: Configuration = Configuration(), store: any Store, clock: @escaping @Sendable () -> Date,
        log: Log
    ) {
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.log = log.with(["component": "store-pruner"])
    }

    /// Prunes at once, then every `configuration.interval` seconds until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await pruneOnce()
            try? await Task.sleep(nanoseconds: UInt64(max(1, configuration.interval) * 1e9))
        }
    }

    /// Deletes everything due now, in batches on the store's own threads, and logs the counts.
    /// - Returns: the rows deleted, or nil when the store failed (logged; the next run tries again).
    @discardableResult
    public func pruneOnce() async -> PrunedRows? {
        let now = clock()
        let cutoff = now.addingTimeInterval(-configuration.outboxRetention)
        let batch = max(1, configuration.batchSize)
        var total = PrunedRows()
        do {
            while !Task.isCancelled {
                let pruned = try await store.executor.run { [store] in
                    try store.write { w in try w.prune(now: now, outboxFinishedBefore: cutoff, limit: batch) }
                }
                total = total + pruned
                if !pruned.reachedLimit(batch) { break }
            }
        } catch {
            log.error(
                "store pruning failed after deleting \(total.total) rows (it is retried in "
                    + "\(Int(configuration.interval))s; check the database): \(error)")
            return nil
        }
        let message =
            "store pruned: \(total.idempotencyKeys) expired idempotency keys, \(total.cachedValues) expired cached "
            + "values, \(total.outboxMessages) outbox messages finished more than "
            + "\(Self.days(configuration.outboxRetention)) ago"
        let counts = [
            "idempotencyKeys": "\(total.idempotencyKeys)", "cachedValues": "\(total.cachedValues)",
            "outboxMessages": "\(total.outboxMessages)",
        ]
        if total.total > 0 { log.info(message, metadata: counts) } else { log.debug(message, metadata: counts) }
        return total
    }

    private static func days(_ seconds: Double) -> String {
        seconds >= 86_400 && seconds.truncatingRemainder(dividingBy: 86_400) == 0
            ? "\(Int(seconds / 86_400)) days" : "\(Int(seconds)) s"
    }
}
