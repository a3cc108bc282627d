import DeployCore
import Foundation

/// Slipway's durable state. Implementations (SQLite, PostgreSQL) are thread-safe. The synchronous calls block their
/// thread (group commit, network I/O): request handlers on the HTTP server's threads call them directly; background
/// services hop to the store's own threads first: `try await store.executor.run { try store.read { … } }`.
///
/// All changes caused by one event go through one `write` so they commit together: a deploy's new state, its audit
/// event and the outbox messages it causes are never seen apart.
public protocol Store: Sendable {
    /// The threads this store's blocking work runs on when called from async code.
    var executor: StoreExecutor { get }
    /// Runs `body` in a read-only snapshot.
    func read<T>(_ body: (any StoreReader) throws -> T) throws -> T
    /// Runs `body` in one write transaction; it commits when `body` returns and rolls back when it throws.
    /// `body` must only make store calls: it may run more than once (PostgreSQL retries a transaction that hit a
    /// serialization failure or deadlock), and it must not wait for another thread that may be writing (SQLite
    /// shares one commit among concurrent writers). A `read` inside it sees the last commit.
    func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T
    /// Whether other processes (replicas) may work on the same data, so the outbox must claim a message before
    /// sending it. A SQLite file has one process.
    var sharedByReplicas: Bool { get }
}

extension Store {
    public var sharedByReplicas: Bool { false }
}

/// Queries available inside any transaction.
public protocol StoreReader {
    func deploy(id: String) throws -> Deploy?
    /// The deploy whose pending approval carries this button token.
    func deploy(approvalToken: String) throws -> Deploy?
    /// Deploys in any of `states`, oldest first.
    func deploys(in states: Set<DeployState>) throws -> [Deploy]
    /// Most recent deploys first, optionally filtered.
    func recentDeploys(service: String?, environment: String?, limit: Int) throws -> [Deploy]
    /// The deploys of one environment that deploy decisions read, most recent first: the `limit` most recent that
    /// ran (committed; rolling out, succeeded or rolled back) and as many awaiting approval, and the `queuedLimit`
    /// most recent queued for their commit. Requests superseded, cancelled, blocked or held before a commit are left
    /// out: a burst of CI webhooks never pushes what ran out of the window, and reading it costs the same however
    /// many requests the burst queued.
    func planningDeploys(service: String, environment: String, limit: Int, queuedLimit: Int) throws
        -> [DeployHistory.Record]
    /// Deploys of one environment that reached `state`, most recent first.
    func deploys(service: String, environment: String, state: DeployState, limit: Int) throws -> [Deploy]
    /// Deploys created at or after `since`, any environment (for statistics).
    func deploys(createdSince since: Date) throws -> [Deploy]
    func environment(service: String, environment: String) throws -> EnvironmentRecord?
    /// All environment records, ordered by service, then environment.
    func environments() throws -> [EnvironmentRecord]
    func lock(service: String, environment: String) throws -> EnvironmentLock?
    /// All locks, ordered by service, then environment.
    func locks() throws -> [EnvironmentLock]
    /// Built images of a service whose tag equals `ref` or whose sha starts with `ref` (≥ 7 chars), newest first.
    func images(service: String, matching ref: String) throws -> [BuiltImage]
    /// The deploy id remembered for an idempotency key that has not expired at `now` (empty string when the key
    /// was recorded without a deploy).
    func idempotentResult(key: String, now: Date) throws -> String?
    /// A deploy's audit events, oldest first.
    func auditEvents(deployId: String) throws -> [AuditEvent]
    /// An environment's audit events (deploys, locks, unlocks), most recent first.
    func auditEvents(service: String, environment: String, limit: Int) throws -> [AuditEvent]
    /// Pending messages due at `now`, oldest first, at most one per ordering key.
    func dueOutbox(now: Date, limit: Int) throws -> [OutboxMessage]
    func outbox(key: String) throws -> OutboxMessage?
    func outboxCount(status: OutboxStatus) throws -> Int
    /// Messages with `status` by destination (for metrics); destinations without any are left out.
    func outboxCountsByDestination(status: OutboxStatus) throws -> [OutboxDestination: Int]
    /// Messages given up on, most recent first.
    func failedOutbox(limit: Int) throws -> [OutboxMessage]
    /// A cached value (e.g. Slack user id for an email) that has not expired at `now`.
    func cachedValue(key: String, now: Date) throws -> String?
    /// Images CI reported for a service, newest first (deploy decisions: which tags are known; the deploy form's
    /// tag choices).
    func recentImages(service: String, limit: Int) throws -> [BuiltImage]
    /// The tags of `recentImages(service:limit:)`, read from its index alone (deploy decisions: which tags are known).
    func recentImageTags(service: String, limit: Int) throws -> [String]
    /// Ad-hoc freezes in force at `now` (created at or before it, ending after it), oldest first.
    func adHocFreezes(activeAt now: Date) throws -> [AdHocFreeze]
}

/// Changes, available inside `Store.write`.
public protocol StoreWriter: StoreReader {
    /// Inserts a new deploy (version 0).
    func insert(_ deploy: Deploy) throws
    /// Stores `deploy` if the stored version equals `deploy.version`, and bumps the version.
    /// - Returns: the stored deploy (with the new version), or nil when someone else changed it first.
    func update(_ deploy: Deploy) throws -> Deploy?
    func append(_ event: AuditEvent) throws
    /// Queues a message; a message whose key already exists is ignored (delivered once per key).
    /// - Returns: true when it was queued now.
    @discardableResult func enqueue(_ message: OutboxMessage) throws -> Bool
    func markDelivered(key: String, at: Date) throws
    /// Claims a pending message due at `now` for one delivery attempt: it is not due again before `until`, so
    /// another replica does not send it too. - Returns: false when it is not due any more (someone claimed it).
    func claimOutbox(key: String, now: Date, until: Date) throws -> Bool
    func reschedule(key: String, attempts: Int, nextAttemptAt: Date, error: String) throws
    /// Gives up on a message: it is kept (see `failedOutbox`) until `prune` removes it after the retention period.
    /// - Parameter at: when it was given up on; `prune` counts the retention period from it.
    func markFailed(key: String, attempts: Int, error: String, at: Date) throws
    func upsert(_ environment: EnvironmentRecord) throws
    /// Sets the lock unless one exists. - Returns: the existing lock when there was one (nothing changed).
    func insertLock(_ lock: EnvironmentLock) throws -> EnvironmentLock?
    /// Removes the lock. - Returns: the removed lock, or nil when there was none.
    func deleteLock(service: String, environment: String) throws -> EnvironmentLock?
    func record(_ image: BuiltImage) throws
    /// Remembers `deployId` for `key` until `expiresAt`, unless an unexpired entry exists.
    /// - Returns: the existing entry's deploy id when there was one (nothing changed).
    func rememberIdempotent(key: String, deployId: String, now: Date, expiresAt: Date) throws -> String?
    func setCachedValue(key: String, value: String, expiresAt: Date) throws
    /// Records an ad-hoc freeze.
    func insert(_ freeze: AdHocFreeze) throws
    /// Lifts ad-hoc freezes: those of one environment name, or with `.all` every ad-hoc freeze.
    /// - Returns: the lifted freezes that were in force at `now`, oldest first.
    func removeFreezes(_ scope: AdHocFreeze.Scope, now: Date) throws -> [AdHocFreeze]
    /// Remembers a signed Slack request's signature until `expiresAt`.
    /// - Returns: true when it was new; false when a request with this signature was already recorded and has not
    ///   expired (a replay), in which case nothing changed.
    func rememberSlackSignature(_ signature: String, now: Date, expiresAt: Date) throws -> Bool
    /// Deletes rows nothing will read again: idempotency keys, cached values, Slack request signatures and ad-hoc
    /// freezes expired at `now`, and outbox messages delivered or given up on before `outboxFinishedBefore`. Pending
    /// messages are kept, however old.
    /// - Parameters:
    ///   - now: keys and cached values with `expiresAt` at or before it are deleted.
    ///   - outboxFinishedBefore: delivered and failed messages that finished before it are deleted.
    ///   - limit: most rows of each kind to delete in this call, so one transaction stays short; call again
    ///     while `PrunedRows.reachedLimit(_:)` says the limit was hit.
    /// - Returns: how many rows of each kind were deleted.
    func prune(now: Date, outboxFinishedBefore: Date, limit: Int) throws -> PrunedRows
}

/// A store failure (I/O, constraint, corrupt data). The message names the operation; it never holds secrets.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable { case open, migrate, query, busy, corrupt }
    private let code: Code
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func open(_ message: String) -> StoreError { StoreError(.open, message) }
    public static func migrate(_ message: String) -> StoreError { StoreError(.migrate, message) }
    public static func query(_ message: String) -> StoreError { StoreError(.query, message) }
    public static func busy(_ message: String) -> StoreError { StoreError(.busy, message) }
    public static func corrupt(_ message: String) -> StoreError { StoreError(.corrupt, message) }

    /// True when retrying the same operation may succeed (lock contention, serialization failure).
    public var isRetryable: Bool { code == .busy }
    public var description: String { "store: \(message)" }
}
