import Foundation

private enum SQL {
    /// Inserts the signature, or takes over an expired row; returns a row only when it changed something.
    static let remember = """
        INSERT INTO slack_request_signatures (signature, expires_at) VALUES ($1, $2)
        ON CONFLICT (signature) DO UPDATE SET expires_at = excluded.expires_at
        WHERE slack_request_signatures.expires_at <= $3
        RETURNING expires_at
        """
    static let expired = """
        DELETE FROM slack_request_signatures WHERE signature IN (
            SELECT signature FROM slack_request_signatures WHERE expires_at <= $1 LIMIT $2)
        """
}

extension SQLTransaction {
    func rememberSlackSignature(_ signature: String, now: Date, expiresAt: Date) throws -> Bool {
        try checkWritable()
        let changed: [Void] = try query(SQL.remember, [.text(signature), SQLValue(expiresAt), SQLValue(now)]) { _ in ()
        }
        return !changed.isEmpty
    }

    /// Deletes up to `limit` signatures expired at `now`.
    func pruneSlackSignatures(expiredBy now: Date, limit: SQLValue) throws -> Int {
        try execute(SQL.expired, [SQLValue(now), limit])
    }
}
