import Foundation

/// Deletes go through the primary key in batches (`IN (SELECT … LIMIT n)`), which both dialects accept, so one
/// call never holds the write lock (SQLite) or row locks (PostgreSQL) for long.
private enum SQL {
    static let expiredKeys = """
        DELETE FROM idempotency_keys WHERE key IN (
            SELECT key FROM idempotency_keys WHERE expires_at <= $1 LIMIT $2)
        """
    static let expiredCache = """
        DELETE FROM cache_entries WHERE key IN (
            SELECT key FROM cache_entries WHERE expires_at <= $1 LIMIT $2)
        """
    /// Delivered and failed messages keep when they finished in `delivered_at`; failed ones given up on before that
    /// was recorded fall back to their last scheduled attempt. Pending messages are never selected.
    static let finishedOutbox = """
        DELETE FROM outbox WHERE seq IN (
            SELECT seq FROM outbox
            WHERE status IN ('delivered', 'failed') AND COALESCE(delivered_at, next_attempt_at) < $1
            LIMIT $2)
        """
}

extension SQLTransaction {
    func prune(now: Date, outboxFinishedBefore: Date, limit: Int) throws -> PrunedRows {
        let limit = SQLValue.integer(Int64(max(0, limit)))
        return PrunedRows(
            idempotencyKeys: try execute(SQL.expiredKeys, [SQLValue(now), limit]),
            cachedValues: try execute(SQL.expiredCache, [SQLValue(now), limit]),
            outboxMessages: try execute(SQL.finishedOutbox, [SQLValue(outboxFinishedBefore), limit]),
            adHocFreezes: try pruneFreezes(endedBy: now, limit: limit),
            slackSignatures: try pruneSlackSignatures(expiredBy: now, limit: limit))
    }
}
