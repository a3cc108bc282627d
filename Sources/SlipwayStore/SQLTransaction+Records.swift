import DeployCore
import Foundation

enum RecordsSQL {
    static let appendAudit =
        "INSERT INTO audit_events (\(StoreRows.auditColumns)) VALUES (\(StoreRows.placeholders(8)))"
    static let auditOfDeploy =
        "SELECT \(StoreRows.auditColumns) FROM audit_events WHERE deploy_id = $1 ORDER BY at, seq"
    static let auditOfTarget = """
        SELECT \(StoreRows.auditColumns) FROM audit_events WHERE service = $1 AND environment = $2
        ORDER BY at DESC, seq DESC LIMIT $3
        """
    static let recordImage = """
        INSERT INTO images (\(StoreRows.imageColumns)) VALUES (\(StoreRows.placeholders(9)))
        ON CONFLICT (service, tag, sha) DO UPDATE
        SET repo = excluded.repo, image = excluded.image, author_name = excluded.author_name,
            author_email = excluded.author_email, message = excluded.message, built_at = excluded.built_at
        """
    // Both look up by key (the primary key, `images_sha`) and sort the few matches: every deploy request runs
    // them, and a plan that walked the service's images in `images_built` order made a CI burst slower with every
    // image stored. (`+built_at` keeps SQLite from choosing that walk to save the sort; the OR as a UNION lets each
    // half use its index.)
    static let imagesByTag =
        "SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 AND tag = $2 ORDER BY +built_at DESC, sha"
    static let imagesByTagOrSha = """
        SELECT * FROM (
            SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 AND tag = $2
            UNION SELECT \(StoreRows.imageColumns) FROM images WHERE service = $1 AND sha >= $3 AND sha < $4
        ) AS matching
        ORDER BY built_at DESC, tag, sha
        """
    /// Inserts the key, or takes over an expired one; returns a row only when it changed something.
    static let remember = """
        INSERT INTO idempotency_keys (key, deploy_id, expires_at) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET deploy_id = excluded.deploy_id, expires_at = excluded.expires_at
        WHERE idempotency_keys.expires_at <= $4
        RETURNING deploy_id
        """
    static let idempotent = "SELECT deploy_id FROM idempotency_keys WHERE key = $1 AND expires_at > $2"
    static let cached = "SELECT value FROM cache_entries WHERE key = $1 AND expires_at > $2"
    static let setCached = """
        INSERT INTO cache_entries (key, value, expires_at) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
        """
}

/// Shortest sha prefix that `images(service:matching:)` looks up.
private let minimumShaPrefix = 7

extension SQLTransaction {
    // MARK: Audit

    func append(_ event: AuditEvent) throws {
        try execute(RecordsSQL.appendAudit, StoreRows.auditValues(event))
    }

    /// A deploy's events, oldest first.
    func auditEvents(deployId: String) throws -> [AuditEvent] {
        try query(RecordsSQL.auditOfDeploy, [.text(deployId)], StoreRows.auditEvent)
    }

    /// An environment's events, most recent first.
    func auditEvents(service: String, environment: String, limit: Int) throws -> [AuditEvent] {
        try query(
            RecordsSQL.auditOfTarget, [.text(service), .text(environment), .integer(Int64(max(0, limit)))],
            StoreRows.auditEvent)
    }

    // MARK: Images

    func record(_ image: BuiltImage) throws {
        try execute(RecordsSQL.recordImage, StoreRows.imageValues(image))
    }

    func images(service: String, matching ref: String) throws -> [BuiltImage] {
        let prefix = ref.lowercased()
        let isShaPrefix = prefix.utf8.count >= minimumShaPrefix && prefix.utf8.allSatisfy(\.isHexDigit)
        guard isShaPrefix, let last = prefix.utf8.last else {
            return try query(RecordsSQL.imagesByTag, [.text(service), .text(ref)], StoreRows.image)
        }
        // Every string that starts with `prefix` sorts in [prefix, prefix with its last byte + 1).
        let upper = String(prefix.dropLast()) + String(UnicodeScalar(last + 1))
        return try query(
            RecordsSQL.imagesByTagOrSha, [.text(service), .text(ref), .text(prefix), .text(upper)], StoreRows.image)
    }

    // MARK: Idempotency and cache

    func idempotentResult(key: String, now: Date) throws -> String? {
        try first(RecordsSQL.idempotent, [.text(key), SQLValue(now)]) { try $0.requiredText(at: 0, "deploy_id") }
    }

    func rememberIdempotent(key: String, deployId: String, now: Date, expiresAt: Date) throws -> String? {
        try checkWritable()
        for _ in 0..<3 {
            let changed: [Void] = try query(
                RecordsSQL.remember, [.text(key), .text(deployId), SQLValue(expiresAt), SQLValue(now)]
            ) { _ in () }
            if !changed.isEmpty { return nil }
            if let existing = try idempotentResult(key: key, now: now) { return existing }
        }
        throw StoreError.busy("idempotency key `\(key)` keeps changing; try again")
    }

    func cachedValue(key: String, now: Date) throws -> String? {
        try first(RecordsSQL.cached, [.text(key), SQLValue(now)]) { try $0.requiredText(at: 0, "value") }
    }

    func setCachedValue(key: String, value: String, expiresAt: Date) throws {
        try execute(RecordsSQL.setCached, [.text(key), .text(value), SQLValue(expiresAt)])
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }
}
