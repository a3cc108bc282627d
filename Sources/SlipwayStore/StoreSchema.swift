/// The schema, as an ordered list of migrations. A migration, once released, never changes: add a new one.
///
/// Both stores record applied versions in `schema_migrations` and apply the missing ones in one transaction
/// (PostgreSQL holds an advisory lock meanwhile, so replicas starting together apply each step once).
/// Dates are unix milliseconds (`BIGINT`), booleans 0/1, and `{seq}`, `{binary}`, `{without_rowid}` are filled in
/// per dialect (`SQLDialect.schema`).
///
/// Every index costs a page write per insert, and the CI webhook's transaction inserts into five tables, so only
/// the indexes that a query of `StoreReader` needs exist, partial where the query allows it.
enum StoreSchema {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: [String]
    }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "deploys, audit, outbox, environments, locks, images, idempotency",
            statements: [
                """
                CREATE TABLE deploys (
                    seq {seq},
                    id TEXT NOT NULL UNIQUE,
                    service TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    source TEXT NOT NULL,
                    target_tag TEXT NOT NULL,
                    previous_tag TEXT,
                    source_commit TEXT,
                    author_name TEXT,
                    author_email TEXT,
                    commit_message TEXT,
                    requested_by TEXT NOT NULL,
                    requested_by_name TEXT,
                    channel_id TEXT,
                    channel_name TEXT,
                    response_url TEXT,
                    state TEXT NOT NULL,
                    approval_token TEXT,
                    approval_expires_at BIGINT,
                    approval_decided_by TEXT,
                    approval_decided_at BIGINT,
                    approval_approved SMALLINT,
                    git_commit TEXT,
                    failure_cause TEXT,
                    failure_title TEXT,
                    failure_summary TEXT,
                    failure_runbook TEXT,
                    message_channel TEXT,
                    message_ts TEXT,
                    progress TEXT,
                    note TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    committed_at BIGINT,
                    rolled_out_at BIGINT,
                    finished_at BIGINT,
                    version BIGINT NOT NULL
                )
                """,
                "CREATE INDEX deploys_created ON deploys (created_at, seq)",
                "CREATE INDEX deploys_state ON deploys (state, created_at, seq)",
                "CREATE INDEX deploys_target ON deploys (service, environment, created_at, seq)",
                "CREATE INDEX deploys_approval_token ON deploys (approval_token) WHERE approval_token IS NOT NULL",
                """
                CREATE TABLE audit_events (
                    seq {seq},
                    deploy_id TEXT,
                    service TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    origin TEXT,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX audit_events_deploy ON audit_events (deploy_id, at, seq) WHERE deploy_id IS NOT NULL",
                """
                CREATE TABLE outbox (
                    seq {seq},
                    key TEXT NOT NULL UNIQUE,
                    deploy_id TEXT,
                    channel TEXT NOT NULL,
                    target TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    ordering_key TEXT,
                    delivered_at BIGINT
                )
                """,
                "CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending'",
                """
                CREATE INDEX outbox_ordering ON outbox (ordering_key, created_at, seq)
                    WHERE status = 'pending' AND ordering_key IS NOT NULL
                """,
                "CREATE INDEX outbox_failed ON outbox (created_at, seq) WHERE status = 'failed'",
                """
                CREATE TABLE environments (
                    service TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    current_tag TEXT,
                    live_tag TEXT,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (service, environment)
                ) {without_rowid}
                """,
                """
                CREATE TABLE environment_locks (
                    service TEXT NOT NULL,
                    environment TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    locked_by TEXT NOT NULL,
                    locked_at BIGINT NOT NULL,
                    PRIMARY KEY (service, environment)
                ) {without_rowid}
                """,
                """
                CREATE TABLE images (
                    service TEXT NOT NULL,
                    repo TEXT NOT NULL,
                    sha TEXT {binary} NOT NULL,
                    tag TEXT NOT NULL,
                    image TEXT,
                    author_name TEXT,
                    author_email TEXT,
                    message TEXT,
                    built_at BIGINT NOT NULL,
                    PRIMARY KEY (service, tag, sha)
                ) {without_rowid}
                """,
                "CREATE INDEX images_sha ON images (service, sha)",
                """
                CREATE TABLE idempotency_keys (
                    key TEXT PRIMARY KEY,
                    deploy_id TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                ) {without_rowid}
                """,
            ]),
        Migration(
            version: 2, name: "value cache, audit by environment",
            statements: [
                """
                CREATE TABLE cache_entries (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                ) {without_rowid}
                """,
                "CREATE INDEX audit_events_target ON audit_events (service, environment, at, seq)",
            ]),
        Migration(
            version: 3, name: "ad-hoc freezes, seen Slack request signatures",
            statements: [
                // `scope` is an environment name, or `*` for every environment (environment names cannot be `*`).
                """
                CREATE TABLE ad_hoc_freezes (
                    seq {seq},
                    scope TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    ends_at BIGINT NOT NULL
                )
                """,
                // Signatures of signed Slack requests that changed something, kept until their timestamp leaves the
                // 5-minute window, so a replay to any replica is recognised.
                """
                CREATE TABLE slack_request_signatures (
                    signature TEXT PRIMARY KEY,
                    expires_at BIGINT NOT NULL
                ) {without_rowid}
                """,
            ]),
        Migration(
            version: 4, name: "lock expiry",
            statements: [
                // NULL: the lock stays until `/deploy unlock`.
                "ALTER TABLE environment_locks ADD COLUMN expires_at BIGINT"
            ]),
        Migration(
            version: 5, name: "verification results of deploys",
            statements: [
                // JSON of `VerificationRecord`: the checks' values over the window and the verdict.
                "ALTER TABLE deploys ADD COLUMN verification TEXT"
            ]),
        Migration(
            version: 6, name: "recent images of a service by build time",
            statements: [
                // `recentImages` (every deploy request's known tags) in its own order: without it each CI webhook
                // sorted all the service's images, and a burst slowed down with every image already stored.
                "CREATE INDEX images_built ON images (service, built_at DESC, tag, sha)"
            ]),
        Migration(
            version: 7, name: "the deploys decisions read",
            statements: [
                // `planningDeploys`, read by every deploy request: an environment's deploys that ran, and those not
                // committed yet. Without them each request read and decoded the 100 most recent deploys, which a
                // burst of queued CI deploys filled (20,000 webhooks: 1,300-1,500 persisted per second), pushing
                // what ran out of sight. Their queries repeat the conditions word for word (`HistorySQL`).
                "CREATE INDEX deploys_ran ON deploys (service, environment, created_at, seq) WHERE "
                    + "(git_commit IS NOT NULL OR state IN ('reconciling', 'rolling_out', 'verifying', 'succeeded', "
                    + "'rolled_back'))",
                "CREATE INDEX deploys_pending ON deploys (service, environment, state, created_at, seq) WHERE "
                    + "(git_commit IS NULL AND state IN ('awaiting_approval', 'committing'))",
            ]),
    ]
}
