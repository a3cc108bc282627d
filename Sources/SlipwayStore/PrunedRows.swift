/// How many rows `StoreWriter.prune(now:outboxFinishedBefore:limit:)` deleted, by kind.
public struct PrunedRows: Sendable, Hashable {
    /// Expired idempotency keys (CI webhook deduplication).
    public var idempotencyKeys: Int
    /// Expired cached values (Slack user ids looked up by email).
    public var cachedValues: Int
    /// Outbox messages delivered or given up on before the retention cut-off.
    public var outboxMessages: Int

    /// Creates a count.
    public init(idempotencyKeys: Int = 0, cachedValues: Int = 0, outboxMessages: Int = 0) {
        self.idempotencyKeys = idempotencyKeys
        self.cachedValues = cachedValues
        self.outboxMessages = outboxMessages
    }

    /// All rows deleted.
    public var total: Int { idempotencyKeys + cachedValues + outboxMessages }

    /// True when some kind had `limit` rows deleted, so more may be left to delete.
    /// - Parameter limit: the limit the prune was called with.
    public func reachedLimit(_ limit: Int) -> Bool {
        idempotencyKeys >= limit || cachedValues >= limit || outboxMessages >= limit
    }

    /// Adds another call's counts.
    public static func + (a: PrunedRows, b: PrunedRows) -> PrunedRows {
        PrunedRows(
            idempotencyKeys: a.idempotencyKeys + b.idempotencyKeys, cachedValues: a.cachedValues + b.cachedValues,
            outboxMessages: a.outboxMessages + b.outboxMessages)
    }
}
