import DeployCore
import Foundation

private enum SQL {
    static let select = "SELECT \(StoreRows.outboxColumns) FROM outbox"
    static let insert = """
        INSERT INTO outbox (\(StoreRows.outboxColumns)) VALUES (\(StoreRows.placeholders(11)))
        ON CONFLICT (key) DO NOTHING
        """
    /// Due pending messages, except those with an earlier pending message of the same ordering key (due or not).
    static let due = """
        SELECT o.key, o.deploy_id, o.channel, o.target, o.payload, o.status, o.attempts, o.next_attempt_at,
               o.last_error, o.created_at, o.ordering_key
        FROM outbox o
        WHERE o.status = 'pending' AND o.next_attempt_at <= $1
          AND (o.ordering_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbox e
                WHERE e.status = 'pending' AND e.ordering_key = o.ordering_key
                  AND (e.created_at < o.created_at OR (e.created_at = o.created_at AND e.seq < o.seq))))
        ORDER BY o.created_at, o.seq
        LIMIT $2
        """
    /// In a PostgreSQL write transaction: rows another replica is claiming right now are skipped, not waited for.
    static let dueClaiming = due + "\nFOR UPDATE OF o SKIP LOCKED"
    static let byKey = "\(select) WHERE key = $1"
    /// One statement per status, with the status as a literal so the partial indexes can serve the pending and
    /// failed counts.
    static func count(_ status: OutboxStatus) -> String {
        switch status {
        case .pending: "SELECT count(*) FROM outbox WHERE status = 'pending'"
        case .delivered: "SELECT count(*) FROM outbox WHERE status = 'delivered'"
        case .failed: "SELECT count(*) FROM outbox WHERE status = 'failed'"
        }
    }
    /// Counts by channel and target; a `response_url` (the target of a reply) is left out, so replies count as one.
    static func countByTarget(_ status: OutboxStatus) -> String {
        """
        SELECT channel, CASE WHEN channel = '\(OutboxChannel.slackResponse.rawValue)' THEN '' ELSE target END, count(*)
        FROM outbox WHERE status = '\(status.rawValue)' GROUP BY 1, 2
        """
    }
    static let failed = "\(select) WHERE status = 'failed' ORDER BY created_at DESC, seq DESC LIMIT $1"
    static let delivered = "UPDATE outbox SET status = 'delivered', delivered_at = $2 WHERE key = $1"
    /// A compare-and-set: of two replicas claiming one message, the second finds it not due any more.
    static let claim = """
        UPDATE outbox SET next_attempt_at = $3 WHERE key = $1 AND status = 'pending' AND next_attempt_at <= $2
        """
    static let reschedule = """
        UPDATE outbox SET status = 'pending', attempts = $2, next_attempt_at = $3, last_error = $4 WHERE key = $1
        """
    /// `delivered_at` holds when a message stopped being pending, delivered or given up, for pruning.
    static let failedMark = """
        UPDATE outbox SET status = 'failed', attempts = $2, last_error = $3, delivered_at = $4 WHERE key = $1
        """
}

extension SQLTransaction {
    func dueOutbox(now: Date, limit: Int) throws -> [OutboxMessage] {
        let sql = isWritable && connection.dialect == .postgres ? SQL.dueClaiming : SQL.due
        return try query(sql, [SQLValue(now), .integer(Int64(max(0, limit)))], StoreRows.outboxMessage)
    }

    func outbox(key: String) throws -> OutboxMessage? {
        try first(SQL.byKey, [.text(key)], StoreRows.outboxMessage)
    }

    func outboxCount(status: OutboxStatus) throws -> Int {
        try first(SQL.count(status), []) { try $0.requiredInt(at: 0, "count") } ?? 0
    }

    func outboxCountsByDestination(status: OutboxStatus) throws -> [OutboxDestination: Int] {
        let rows = try query(SQL.countByTarget(status), []) { row in
            (
                StoreRows.outboxTarget(
                    channel: try row.requiredText(at: 0, "outbox channel"), target: row.text(at: 1) ?? ""
                ).destination, try row.requiredInt(at: 2, "count")
            )
        }
        return Dictionary(rows, uniquingKeysWith: +)
    }

    func failedOutbox(limit: Int) throws -> [OutboxMessage] {
        try query(SQL.failed, [.integer(Int64(max(0, limit)))], StoreRows.outboxMessage)
    }

    @discardableResult
    func enqueue(_ message: OutboxMessage) throws -> Bool {
        try execute(SQL.insert, StoreRows.outboxValues(message)) == 1
    }

    func markDelivered(key: String, at: Date) throws {
        try execute(SQL.delivered, [.text(key), SQLValue(at)])
    }

    func claimOutbox(key: String, now: Date, until: Date) throws -> Bool {
        try execute(SQL.claim, [.text(key), SQLValue(now), SQLValue(until)]) == 1
    }

    func reschedule(key: String, attempts: Int, nextAttemptAt: Date, error: String) throws {
        try execute(SQL.reschedule, [.text(key), SQLValue(attempts), SQLValue(nextAttemptAt), .text(error)])
    }

    func markFailed(key: String, attempts: Int, error: String, at: Date) throws {
        try execute(SQL.failedMark, [.text(key), SQLValue(attempts), .text(error), SQLValue(at)])
    }
}
