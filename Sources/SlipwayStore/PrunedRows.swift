/// How many rows `StoreWriter.prune(now:outboxFinishedBefore:limit:)` deleted, by kind.
public struct PrunedRows: Sendable, Hashable {
    /// Expired idempotency keys (CI webhook deduplication).
    public var idempotencyKeys: Int
    /// Expired cached values (Slack user ids looked up by email).
    public var cachedValues: Int
    /// Outbox messages delivered or given up on before the retention cut-off.
    public var outboxMessages: Int
    /// Ad-hoc freezes that have ended.
    public var adHocFreezes: Int
    /// Slack request signatures past the replay window.
    public var slackSignatures: Int

    /// Creates a count.
    public init(
        idempotencyKeys: Int = 0, cachedValues: Int = 0, outboxMessages: Int = 0, adHocFreezes: Int = 0,
        slackSignatures: Int = 0
    ) {
        self.idempotencyKeys = idempotencyKeys
        self.cachedValues = cachedValues
        self.outboxMessages = outboxMessages
        self.adHocFreezes = adHocFreezes
        self.slackSignatures = slackSignatures
    }

    /// All rows deleted.
    public var total: Int { idempotencyKeys + cachedValues + outboxMessages + adHocFreezes + slackSignatures }

    /// True when some kind had `limit` rows deleted, so more may be left to delete.
    /// - Parameter limit: the limit the prune was called with.
    public func reachedLimit(_ limit: Int) -> Bool {
        idempotencyKeys >= limit || cachedValues >= limit || outboxMessages >= limit || adHocFreezes >= limit
            || slackSignatures >= limit
    }

    /// Adds another call's counts.
    public static func + (a: PrunedRows, b: PrunedRows) -> PrunedRows {
        PrunedRows(
            idempotencyKeys: a.idempotencyKeys + b.idempotencyKeys, cachedValues: a.cachedValues + b.cachedValues,
            outboxMessages: a.outboxMessages + b.outboxMessages, adHocFreezes: a.adHocFreezes + b.adHocFreezes,
            slackSignatures: a.slackSignatures + b.slackSignatures)
    }
}
