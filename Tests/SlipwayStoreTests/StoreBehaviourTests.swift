import DeployCore
import Foundation
import SlipwayTesting
import Synchronization
import Testing

@testable import SlipwayStore

/// The store contract, run against every backend: SQLite (a real temporary file) and PostgreSQL (a real server,
/// a fresh database per test).
@Suite("Store behaviour")
struct StoreBehaviourTests {
    typealias F = StoreFixtures

    @Test("a deploy reads back with every field", arguments: StoreBackend.enabled)
    func deployRoundTrip(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let deploy = F.fullDeploy()
            try store.write { w in try w.insert(deploy) }
            let byId = try store.read { r in try r.deploy(id: deploy.id) }
            #expect(byId == deploy)
            let byToken = try store.read { r in try r.deploy(approvalToken: "tok-123") }
            #expect(byToken == deploy)
            #expect(try store.read { r in try r.deploy(id: "d-missing") } == nil)
            #expect(try store.read { r in try r.deploy(approvalToken: "tok-missing") } == nil)

            // Nil nested values stay nil; a new deploy is stored with version 0.
            var plain = F.deploy(id: "d-plain")
            plain.version = 7
            try store.write { w in try w.insert(plain) }
            let stored = try #require(try store.read { r in try r.deploy(id: "d-plain") })
            #expect(stored.version == 0)
            #expect(stored.approval == nil && stored.failure == nil && stored.message == nil && stored.author == nil)

            // Dates keep millisecond precision.
            let precise = Date(timeIntervalSince1970: 1_750_000_123.456_789)
            try store.write { w in try w.insert(F.deploy(id: "d-precise", createdAt: precise)) }
            let read = try #require(try store.read { r in try r.deploy(id: "d-precise") })
            #expect(abs(read.createdAt.timeIntervalSince(precise)) < 0.001)
            #expect(read.createdAt == Date(timeIntervalSince1970: 1_750_000_123.457))
        }
    }

    @Test(
        "update is optimistic: of two writers with the same version exactly one wins", arguments: StoreBackend.enabled)
    func optimisticUpdate(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let original = F.deploy(id: "d-race")
            try store.write { w in try w.insert(original) }
            let loaded = try #require(try store.read { r in try r.deploy(id: "d-race") })

            var first = loaded
            first.state = .committing
            var second = loaded
            second.state = .cancelled
            let won = try store.write { w in try w.update(first) }
            #expect(won?.version == 1)
            #expect(won?.state == .committing)
            #expect(try store.write { w in try w.update(second) } == nil)
            let stored = try #require(try store.read { r in try r.deploy(id: "d-race") })
            #expect(stored.state == .committing)
            #expect(stored.version == 1)

            // The same from many threads at once.
            let winners = Mutex<[DeployState]>([])
            let states: [DeployState] = [.reconciling, .rollingOut, .verifying, .failed, .cancelled, .superseded]
            _ = try StoreBenchmark.measure(threads: states.count, count: states.count) { index in
                var change = stored
                change.state = states[index]
                if let updated = try store.write({ w in try w.update(change) }) {
                    winners.withLock { $0.append(updated.state) }
                }
            }
            let winner = try #require(winners.withLock { $0 }.first)
            #expect(winners.withLock { $0.count } == 1)
            let final = try #require(try store.read { r in try r.deploy(id: "d-race") })
            #expect(final.version == 2)
            #expect(final.state == winner)
            #expect(try store.write { w in try w.update(F.deploy(id: "d-nobody")) } == nil)
        }
    }

    @Test("deploys by state, oldest first", arguments: StoreBackend.enabled)
    func deploysInStates(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w throws in
                try w.insert(F.deploy(id: "d-3", state: .committing, createdAt: F.at(3)))
                try w.insert(F.deploy(id: "d-1", state: .requested, createdAt: F.at(1)))
                try w.insert(F.deploy(id: "d-2", state: .succeeded, createdAt: F.at(2)))
                try w.insert(F.deploy(id: "d-4", state: .awaitingApproval, createdAt: F.at(4)))
            }
            let inFlight = try store.read { r in try r.deploys(in: DeployState.inFlight) }
            #expect(inFlight.map(\.id) == ["d-1", "d-3", "d-4"])
            #expect(try store.read { r in try r.deploys(in: [.succeeded]) }.map(\.id) == ["d-2"])
            #expect(try store.read { r in try r.deploys(in: []) }.isEmpty)
            #expect(try store.read { r in try r.deploys(in: Set(DeployState.allCases)) }.count == 4)
        }
    }

    @Test("recent deploys: newest first, filtered, limited", arguments: StoreBackend.enabled)
    func recentDeploys(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w throws in
                try w.insert(F.deploy(id: "api-stg-1", service: "api", environment: "staging", createdAt: F.at(1)))
                try w.insert(
                    F.deploy(
                        id: "api-prod-2", service: "api", environment: "prod", state: .succeeded, createdAt: F.at(2)))
                try w.insert(F.deploy(id: "shop-stg-3", service: "shop", environment: "staging", createdAt: F.at(3)))
                try w.insert(
                    F.deploy(
                        id: "api-prod-4", service: "api", environment: "prod", state: .succeeded, createdAt: F.at(4)))
                try w.insert(
                    F.deploy(id: "api-prod-5", service: "api", environment: "prod", state: .failed, createdAt: F.at(5)))
                // Same instant as the previous one: insertion order breaks the tie.
                try w.insert(F.deploy(id: "api-prod-6", service: "api", environment: "prod", createdAt: F.at(5)))
            }
            try store.read { r throws in
                #expect(
                    try r.recentDeploys(service: nil, environment: nil, limit: 3).map(\.id)
                        == ["api-prod-6", "api-prod-5", "api-prod-4"])
                #expect(
                    try r.recentDeploys(service: "api", environment: nil, limit: 10).map(\.id)
                        == ["api-prod-6", "api-prod-5", "api-prod-4", "api-prod-2", "api-stg-1"])
                #expect(
                    try r.recentDeploys(service: nil, environment: "staging", limit: 10).map(\.id)
                        == ["shop-stg-3", "api-stg-1"])
                #expect(
                    try r.recentDeploys(service: "api", environment: "prod", limit: 2).map(\.id)
                        == ["api-prod-6", "api-prod-5"])
                #expect(try r.recentDeploys(service: "nope", environment: nil, limit: 10).isEmpty)
                #expect(
                    try r.deploys(service: "api", environment: "prod", state: .succeeded, limit: 10).map(\.id)
                        == ["api-prod-4", "api-prod-2"])
                #expect(
                    try r.deploys(service: "api", environment: "prod", state: .succeeded, limit: 1).map(\.id)
                        == ["api-prod-4"])
                #expect(
                    try r.deploys(createdSince: F.at(3)).map(\.id)
                        == ["shop-stg-3", "api-prod-4", "api-prod-5", "api-prod-6"])
            }
        }
    }

    @Test(
        "the deploys decisions read: what ran, and the newest not committed yet; a burst of queued ones hides nothing",
        arguments: StoreBackend.enabled)
    func planningDeploys(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w throws in
                var committedThenSuperseded = F.deploy(id: "taken-over", state: .superseded, createdAt: F.at(1))
                committedThenSuperseded.gitCommit = "c0ffee1"
                try w.insert(committedThenSuperseded)
                var good = F.deploy(id: "good", state: .succeeded, createdAt: F.at(2))
                good.gitCommit = "900d900"
                good.previousTag = "v1.2.2"
                good.rolledOutAt = F.at(2.5)
                good.finishedAt = F.at(2.6)
                good.verification = VerificationRecord(verdict: .passed, samples: 3)
                try w.insert(good)
                var failed = F.deploy(id: "bad", state: .failed, createdAt: F.at(3))
                failed.gitCommit = "badc0de"
                try w.insert(failed)
                try w.insert(F.deploy(id: "failed-before-commit", state: .failed, createdAt: F.at(4)))
                try w.insert(F.deploy(id: "waiting", state: .awaitingApproval, createdAt: F.at(5)))
                for state in [DeployState.requested, .cancelled, .blocked, .held, .superseded] {
                    try w.insert(F.deploy(id: "never-ran-\(state.rawValue)", state: state, createdAt: F.at(7)))
                }
                try w.insert(F.deploy(id: "other-env", environment: "prod", state: .succeeded, createdAt: F.at(8)))
                // A burst of CI deploys queued for their commit, newer than all of them.
                for n in 0..<150 {
                    try w.insert(F.deploy(id: "queued-\(n)", state: .committing, createdAt: F.at(Double(10 + n))))
                }
            }
            try store.read { r throws in
                // Every request awaiting approval (a new request supersedes them all), the newest queued ones.
                #expect(
                    try r.planningDeploys(service: "api", environment: "staging", limit: 100, queuedLimit: 3).map(\.id)
                        == ["queued-149", "queued-148", "queued-147", "waiting", "bad", "good", "taken-over"])
                #expect(
                    try r.planningDeploys(service: "api", environment: "staging", limit: 2, queuedLimit: 0).map(\.id)
                        == ["waiting", "bad", "good"])
                let all = try r.planningDeploys(service: "api", environment: "staging", limit: 100, queuedLimit: 200)
                #expect(all.count == 154)
                #expect(all.suffix(4).map(\.id) == ["waiting", "bad", "good", "taken-over"])
                #expect(
                    try r.planningDeploys(service: "shop", environment: "staging", limit: 100, queuedLimit: 20)
                        .isEmpty)
                // Each record holds what the full row says of it.
                for record in all {
                    let deploy = try #require(try r.deploy(id: record.id))
                    #expect(record == DeployHistory.Record(deploy))
                }
                #expect(all.first { $0.id == "good" }?.verified == true)
            }
        }
    }

    @Test("a write that throws leaves nothing behind", arguments: StoreBackend.enabled)
    func writeRollsBack(_ backend: StoreBackend) throws {
        struct Refused: Error {}
        try backend.withStore { store throws in
            #expect(throws: Refused.self) {
                try store.write { w throws in
                    try w.insert(F.deploy(id: "d-doomed"))
                    try w.append(
                        AuditEvent(
                            deployId: "d-doomed", service: "api", environment: "staging", actor: "U0ALICE",
                            action: "requested", detail: "", at: F.t0))
                    try w.enqueue(F.message("d-doomed:requested"))
                    _ = try w.rememberIdempotent(key: "k-doomed", deployId: "d-doomed", now: F.t0, expiresAt: F.at(60))
                    _ = try w.insertLock(
                        EnvironmentLock(
                            service: "api", environment: "staging", reason: "x", lockedBy: "U0", lockedAt: F.t0))
                    throw Refused()
                }
            }
            try store.read { r throws in
                #expect(try r.deploy(id: "d-doomed") == nil)
                #expect(try r.auditEvents(deployId: "d-doomed").isEmpty)
                #expect(try r.outbox(key: "d-doomed:requested") == nil)
                #expect(try r.idempotentResult(key: "k-doomed", now: F.t0) == nil)
                #expect(try r.lock(service: "api", environment: "staging") == nil)
            }
            // A failing statement (duplicate id) also rolls the whole write back.
            try store.write { w in try w.insert(F.deploy(id: "d-dup")) }
            #expect(throws: StoreError.self) {
                try store.write { w throws in
                    try w.enqueue(F.message("before-duplicate"))
                    try w.insert(F.deploy(id: "d-dup"))
                }
            }
            #expect(try store.read { r in try r.outbox(key: "before-duplicate") } == nil)
        }
    }

    @Test("outbox: dedup by key, ordering keys, due time, delivery states, counts", arguments: StoreBackend.enabled)
    func outbox(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let now = F.at(100)
            try store.write { w throws in
                #expect(try w.enqueue(F.message("a1", orderingKey: "d-a", createdAt: F.at(1))))
                #expect(try w.enqueue(F.message("a2", orderingKey: "d-a", createdAt: F.at(2))))
                #expect(try w.enqueue(F.message("free", createdAt: F.at(3))))
                // d-b: the older message is not due yet, so the due newer one must wait behind it.
                #expect(
                    try w.enqueue(F.message("b1", orderingKey: "d-b", createdAt: F.at(4), nextAttemptAt: F.at(500))))
                #expect(try w.enqueue(F.message("b2", orderingKey: "d-b", createdAt: F.at(5))))
                #expect(try w.enqueue(F.message("later", createdAt: F.at(6), nextAttemptAt: F.at(200))))
                // Same key again: ignored, first payload kept.
                var duplicate = F.message("a1", createdAt: F.at(7))
                duplicate.payload = "changed"
                #expect(try w.enqueue(duplicate) == false)
            }
            func due(_ at: Date, limit: Int = 10) throws -> [String] {
                try store.read { r in try r.dueOutbox(now: at, limit: limit) }.map(\.key)
            }
            #expect(try due(now) == ["a1", "free"])
            #expect(try due(now, limit: 1) == ["a1"])
            #expect(try store.read { r in try r.outbox(key: "a1") }?.payload.contains("changed") == false)
            #expect(try due(F.at(250)) == ["a1", "free", "later"])

            // A retry pushed into the future still holds back the rest of its ordering key.
            try store.write { w throws in
                try w.reschedule(key: "a1", attempts: 1, nextAttemptAt: F.at(150), error: "HTTP 429")
            }
            #expect(try due(now) == ["free"])
            let retried = try #require(try store.read { r in try r.outbox(key: "a1") })
            #expect(retried.status == .pending)
            #expect(retried.attempts == 1)
            #expect(retried.nextAttemptAt == F.at(150))
            #expect(retried.lastError == "HTTP 429")
            #expect(try due(F.at(150)) == ["a1", "free"])

            // Delivered and failed messages no longer hold back later ones.
            try store.write { w throws in
                try w.markDelivered(key: "a1", at: now)
                try w.markDelivered(key: "free", at: now)
            }
            #expect(try due(now) == ["a2"])
            try store.write { w in try w.markFailed(key: "a2", attempts: 5, error: "channel_not_found", at: now) }
            #expect(try due(now).isEmpty)
            #expect(try due(F.at(600)) == ["b1", "later"])

            try store.read { r throws in
                #expect(try r.outboxCount(status: .pending) == 3)
                #expect(try r.outboxCount(status: .delivered) == 2)
                #expect(try r.outboxCount(status: .failed) == 1)
                let failed = try r.failedOutbox(limit: 10)
                #expect(failed.map(\.key) == ["a2"])
                #expect(failed.first?.attempts == 5)
                #expect(failed.first?.lastError == "channel_not_found")
                #expect(failed.first?.orderingKey == "d-a")
                #expect(failed.first?.target == .channelMessage)
                #expect(failed.first?.deployId == "d-1")
                #expect(try r.outbox(key: "a1")?.status == .delivered)
                #expect(try r.outbox(key: "nope") == nil)
            }
            // Queued and read back whole.
            let message = F.message("whole", orderingKey: "d-w", createdAt: F.at(9), nextAttemptAt: F.at(10))
            #expect(try store.write { w in try w.enqueue(message) })
            #expect(try store.read { r in try r.outbox(key: "whole") } == message)
        }
    }

    @Test("idempotency keys expire and are then taken over", arguments: StoreBackend.enabled)
    func idempotency(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let key = "nortinia/api:0123456:staging"
            #expect(
                try store.write { w throws in
                    try w.rememberIdempotent(key: key, deployId: "d-1", now: F.t0, expiresAt: F.at(10))
                } == nil)
            #expect(
                try store.write { w throws in
                    try w.rememberIdempotent(key: key, deployId: "d-2", now: F.at(5), expiresAt: F.at(15))
                } == "d-1")
            #expect(try store.read { r in try r.idempotentResult(key: key, now: F.at(9.999)) } == "d-1")
            #expect(try store.read { r in try r.idempotentResult(key: key, now: F.at(10)) } == nil)
            #expect(
                try store.write { w throws in
                    try w.rememberIdempotent(key: key, deployId: "d-3", now: F.at(11), expiresAt: F.at(20))
                } == nil)
            #expect(try store.read { r in try r.idempotentResult(key: key, now: F.at(11)) } == "d-3")
            // Recorded without a deploy.
            _ = try store.write { w in try w.rememberIdempotent(key: "k2", deployId: "", now: F.t0, expiresAt: F.at(5))
            }
            #expect(try store.read { r in try r.idempotentResult(key: "k2", now: F.t0) } == "")
            #expect(try store.read { r in try r.idempotentResult(key: "unknown", now: F.t0) } == nil)
        }
    }

    @Test(
        "prune deletes expired keys and cached values and outbox rows finished before the cut-off, never pending ones",
        arguments: StoreBackend.enabled)
    func prune(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w throws in
                for (key, expiry) in [("k-old", 10.0), ("k-edge", 20.0), ("k-live", 100.0)] {
                    _ = try w.rememberIdempotent(key: key, deployId: "d-\(key)", now: F.t0, expiresAt: F.at(expiry))
                }
                try w.setCachedValue(key: "slack-user:old@example.com", value: "U0OLD", expiresAt: F.at(5))
                try w.setCachedValue(key: "slack-user:live@example.com", value: "U0LIVE", expiresAt: F.at(60))
                for key in ["delivered-old", "delivered-recent", "failed-old", "failed-recent", "retrying"] {
                    try w.enqueue(F.message(key, createdAt: F.at(-1000)))
                }
                try w.enqueue(F.message("pending-ancient", createdAt: F.at(-100_000)))
                try w.markDelivered(key: "delivered-old", at: F.at(1))
                try w.markDelivered(key: "delivered-recent", at: F.at(50))
                try w.markFailed(key: "failed-old", attempts: 5, error: "channel_not_found", at: F.at(2))
                try w.markFailed(key: "failed-recent", attempts: 5, error: "channel_not_found", at: F.at(50))
                try w.reschedule(key: "retrying", attempts: 3, nextAttemptAt: F.at(-500), error: "HTTP 500")
            }

            let pruned = try store.write { w in try w.prune(now: F.at(20), outboxFinishedBefore: F.at(30), limit: 100) }
            #expect(pruned == PrunedRows(idempotencyKeys: 2, cachedValues: 1, outboxMessages: 2))
            #expect(pruned.total == 5)
            #expect(!pruned.reachedLimit(100))

            try store.read { r throws in
                #expect(try r.idempotentResult(key: "k-live", now: F.at(20)) == "d-k-live")
                #expect(try r.cachedValue(key: "slack-user:live@example.com", now: F.at(20)) == "U0LIVE")
                for gone in ["delivered-old", "failed-old"] {
                    #expect(try r.outbox(key: gone) == nil, "\(gone) should be pruned")
                }
                for kept in ["delivered-recent", "failed-recent", "retrying", "pending-ancient"] {
                    #expect(try r.outbox(key: kept) != nil, "\(kept) should be kept")
                }
                #expect(try r.outboxCount(status: .pending) == 2)
                #expect(try r.outboxCount(status: .delivered) == 1)
                #expect(try r.outboxCount(status: .failed) == 1)
                #expect(try r.failedOutbox(limit: 10).map(\.key) == ["failed-recent"])
            }
            // A live key still deduplicates after pruning.
            #expect(
                try store.write { w throws in
                    try w.rememberIdempotent(key: "k-live", deployId: "d-other", now: F.at(20), expiresAt: F.at(200))
                } == "d-k-live")
            // Nothing more is due; a pruned key is free again.
            #expect(
                try store.write { w in try w.prune(now: F.at(20), outboxFinishedBefore: F.at(30), limit: 100) }
                    == PrunedRows())
            #expect(
                try store.write { w throws in
                    try w.rememberIdempotent(key: "k-old", deployId: "d-new", now: F.at(20), expiresAt: F.at(200))
                } == nil)

            // Batches: a limit caps each call, and calling again while the limit was reached deletes the rest.
            try store.write { w throws in
                for index in 0..<5 {
                    _ = try w.rememberIdempotent(key: "batch-\(index)", deployId: "", now: F.t0, expiresAt: F.at(1))
                }
            }
            let first = try store.write { w in try w.prune(now: F.at(20), outboxFinishedBefore: F.at(30), limit: 2) }
            #expect(first.idempotencyKeys == 2)
            #expect(first.reachedLimit(2))
            var total = first
            while true {
                let next = try store.write { w in try w.prune(now: F.at(20), outboxFinishedBefore: F.at(30), limit: 2) }
                total = total + next
                if !next.reachedLimit(2) { break }
            }
            #expect(total.idempotencyKeys == 5)
        }
    }

    @Test("locks are set only when absent and removed once", arguments: StoreBackend.enabled)
    func locks(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let lock = EnvironmentLock(
                service: "api", environment: "prod", reason: "release freeze", lockedBy: "U0ALICE", lockedAt: F.t0)
            #expect(try store.write { w in try w.insertLock(lock) } == nil)
            var other = lock
            other.reason = "mine now"
            other.lockedBy = "U0BOB"
            #expect(try store.write { w in try w.insertLock(other) } == lock)
            let shop = EnvironmentLock(
                service: "shop", environment: "prod", reason: "incident", lockedBy: "U0BOB", lockedAt: F.at(1))
            let staging = EnvironmentLock(
                service: "api", environment: "staging", reason: "tests", lockedBy: "U0BOB", lockedAt: F.at(2))
            _ = try store.write { w in (try w.insertLock(shop), try w.insertLock(staging)) }
            try store.read { r throws in
                #expect(try r.lock(service: "api", environment: "prod") == lock)
                #expect(try r.locks() == [lock, staging, shop])
            }
            #expect(try store.write { w in try w.deleteLock(service: "api", environment: "prod") } == lock)
            #expect(try store.write { w in try w.deleteLock(service: "api", environment: "prod") } == nil)
            #expect(try store.read { r in try r.lock(service: "api", environment: "prod") } == nil)
            #expect(try store.write { w in try w.insertLock(other) } == nil)
            #expect(try store.read { r in try r.lock(service: "api", environment: "prod") } == other)
        }
    }

    @Test("environment records are upserted", arguments: StoreBackend.enabled)
    func environments(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let prod = EnvironmentRecord(
                service: "api", environment: "prod", currentTag: "v1", liveTag: nil, updatedAt: F.t0)
            let staging = EnvironmentRecord(
                service: "api", environment: "staging", currentTag: nil, liveTag: nil, updatedAt: F.t0)
            try store.write { w throws in
                try w.upsert(staging)
                try w.upsert(prod)
            }
            var updated = prod
            updated.liveTag = "v1"
            updated.currentTag = "v2"
            updated.updatedAt = F.at(10)
            try store.write { w in try w.upsert(updated) }
            try store.read { r throws in
                #expect(try r.environment(service: "api", environment: "prod") == updated)
                #expect(try r.environment(service: "api", environment: "dev") == nil)
                #expect(try r.environments() == [updated, staging])
            }
        }
    }

    @Test("images by tag or sha prefix of at least seven characters", arguments: StoreBackend.enabled)
    func images(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let old = F.image(sha: "abcdef0123456789abcdef0123456789abcdef01", tag: "main-abcdef0", builtAt: F.at(1))
            let new = F.image(sha: "abcdef9999999999999999999999999999999999", tag: "main-abcdef9", builtAt: F.at(2))
            let other = F.image(sha: "1234567000000000000000000000000000000000", tag: "v1.0.0", builtAt: F.at(3))
            let otherService = F.image(
                service: "shop", sha: "abcdef0123456789abcdef0123456789abcdef01", tag: "main-abcdef0", builtAt: F.at(4))
            try store.write { w throws in
                for image in [old, new, other, otherService] { try w.record(image) }
                try w.record(old)  // CI retried: still one image
            }
            try store.read { r throws in
                #expect(try r.images(service: "api", matching: "main-abcdef0") == [old])
                #expect(try r.images(service: "api", matching: "abcdef0") == [old])
                #expect(try r.images(service: "api", matching: "ABCDEF0123") == [old])
                #expect(try r.images(service: "api", matching: old.sha) == [old])
                #expect(try r.images(service: "api", matching: "abcdef") == [])  // six characters: no prefix match
                #expect(try r.images(service: "api", matching: "v1.0.0") == [other])
                #expect(try r.images(service: "api", matching: "1234567") == [other])
                #expect(try r.images(service: "api", matching: "1234568") == [])
                #expect(try r.images(service: "api", matching: "nope") == [])
                #expect(try r.images(service: "shop", matching: "abcdef0") == [otherService])
            }
            // Both a tag and a sha prefix match: newest first.
            let tagged = F.image(sha: "9999999000000000000000000000000000000000", tag: "abcdef01", builtAt: F.at(5))
            try store.write { w in try w.record(tagged) }
            #expect(try store.read { r in try r.images(service: "api", matching: "abcdef01") } == [tagged, old])
        }
    }

    @Test("cached values expire", arguments: StoreBackend.enabled)
    func cache(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w throws in
                try w.setCachedValue(key: "slack-user:ada@example.com", value: "U0ADA", expiresAt: F.at(60))
            }
            #expect(
                try store.read { r in try r.cachedValue(key: "slack-user:ada@example.com", now: F.at(59)) } == "U0ADA")
            #expect(try store.read { r in try r.cachedValue(key: "slack-user:ada@example.com", now: F.at(60)) } == nil)
            try store.write { w throws in
                try w.setCachedValue(key: "slack-user:ada@example.com", value: "U0ADA2", expiresAt: F.at(120))
            }
            #expect(
                try store.read { r in try r.cachedValue(key: "slack-user:ada@example.com", now: F.at(61)) } == "U0ADA2")
            #expect(try store.read { r in try r.cachedValue(key: "missing", now: F.t0) } == nil)
        }
    }

    @Test("audit events by deploy (oldest first) and by environment (newest first)", arguments: StoreBackend.enabled)
    func audit(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            func event(_ deployId: String?, _ action: String, _ seconds: Double, environment: String = "prod")
                -> AuditEvent
            {
                AuditEvent(
                    deployId: deployId, service: "api", environment: environment, actor: "U0ALICE", action: action,
                    detail: "detail of \(action)", origin: deployId == nil ? nil : "slack:C0DEPLOYS",
                    at: F.at(seconds))
            }
            let events = [
                event("d-1", "requested", 1), event("d-1", "approved", 2), event(nil, "locked", 3),
                event("d-2", "requested", 4, environment: "staging"), event("d-1", "state:committing", 5),
            ]
            try store.write { w throws in
                for event in events { try w.append(event) }
            }
            try store.read { r throws in
                #expect(try r.auditEvents(deployId: "d-1") == [events[0], events[1], events[4]])
                #expect(
                    try r.auditEvents(service: "api", environment: "prod", limit: 10) == [
                        events[4], events[2], events[1], events[0],
                    ])
                #expect(try r.auditEvents(service: "api", environment: "prod", limit: 2) == [events[4], events[2]])
                #expect(try r.auditEvents(deployId: "d-none").isEmpty)
            }
        }
    }

    @Test("migrations apply once; opening again changes nothing", arguments: StoreBackend.enabled)
    func migrationsIdempotent(_ backend: StoreBackend) throws {
        try backend.withLocation { location throws in
            do {
                let store = try location.open()
                try store.write { w in try w.insert(F.deploy(id: "d-kept")) }
            }
            let again = try location.open()
            #expect(try again.read { r in try r.deploy(id: "d-kept") }?.id == "d-kept")
            #expect(try location.migrate() == [])
        }
    }

    @Test("an old database is migrated and keeps its data", arguments: StoreBackend.enabled)
    func migratesOldDatabase(_ backend: StoreBackend) throws {
        try backend.withLocation { location throws in
            do {
                let old = try location.open(schemaVersion: 1)
                // Written as version 1 wrote it: today's insert names columns later migrations added.
                let v1Row = """
                    INSERT INTO deploys (id, service, environment, kind, source, target_tag, requested_by, state,
                        created_at, updated_at, version)
                    VALUES ('d-from-v1', 'api', 'staging', 'deploy', 'slack', 'v1.2.3', 'U0ALICE', 'requested', 0, 0, 0)
                    """
                if let postgres = old as? PostgresStore {
                    _ = try postgres.withConnection { try $0.execute(v1Row, []) }
                } else {
                    _ = try SQLiteConnection(path: location.sqlitePath, readOnly: false, busyTimeout: .seconds(5))
                        .execute(v1Row, [])
                }
                // The cache arrived in version 2.
                #expect(throws: StoreError.self) {
                    try old.write { w in try w.setCachedValue(key: "k", value: "v", expiresAt: F.at(60)) }
                }
            }
            let store = try location.open()
            #expect(try store.read { r in try r.deploy(id: "d-from-v1") }?.id == "d-from-v1")
            try store.write { w in try w.setCachedValue(key: "k", value: "v", expiresAt: F.at(60)) }
            #expect(try store.read { r in try r.cachedValue(key: "k", now: F.t0) } == "v")
            #expect(try location.migrate() == [])
        }
    }

    @Test("1,000 concurrent writes of one idempotency key remember one deploy", arguments: StoreBackend.enabled)
    func concurrentIdempotency(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let key = "nortinia/api:feedface:staging"
            let seen = Mutex<[String]>([])
            _ = try StoreBenchmark.measure(threads: 32, count: 1_000) { index in
                let candidate = "d-concurrent-\(index)"
                let id = try store.write { w -> String in
                    if let existing = try w.rememberIdempotent(
                        key: key, deployId: candidate, now: F.t0, expiresAt: F.at(86_400))
                    {
                        return existing
                    }
                    try w.insert(F.deploy(id: candidate))
                    return candidate
                }
                seen.withLock { $0.append(id) }
            }
            let ids = seen.withLock { $0 }
            #expect(ids.count == 1_000)
            #expect(Set(ids).count == 1)
            let remembered = try store.read { r in try r.idempotentResult(key: key, now: F.t0) }
            #expect(remembered == ids.first)
            let deploys = try store.read { r in try r.recentDeploys(service: "api", environment: nil, limit: 2_000) }
            #expect(deploys.map(\.id) == [remembered])
        }
    }

    @Test(
        "concurrent writes: each is atomic on its own, a failing one takes nothing else with it",
        arguments: StoreBackend.enabled)
    func concurrentWritesStayIndependent(_ backend: StoreBackend) throws {
        struct Refused: Error {}
        try backend.withStore { store throws in
            let refused = Mutex(0)
            _ = try StoreBenchmark.measure(threads: 16, count: 400) { index in
                do {
                    try store.write { w in
                        try w.insert(F.deploy(id: "d-group-\(index)", createdAt: F.at(Double(index))))
                        try w.enqueue(F.message("m-group-\(index)"))
                        if index % 5 == 0 { throw Refused() }
                    }
                } catch is Refused {
                    refused.withLock { $0 += 1 }
                }
            }
            #expect(refused.withLock { $0 } == 80)
            try store.read { r throws in
                let deploys = try r.deploys(createdSince: F.t0)
                #expect(deploys.count == 320)
                #expect(!deploys.contains { Int($0.id.dropFirst("d-group-".count))! % 5 == 0 })
                #expect(try r.outboxCount(status: .pending) == 320)
                #expect(try r.outbox(key: "m-group-5") == nil)
                #expect(try r.outbox(key: "m-group-6") != nil)
            }
        }
    }

    @Test("a reader cannot write, and a transaction cannot be used after its body", arguments: StoreBackend.enabled)
    func transactionBoundaries(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            #expect(throws: StoreError.self) {
                try store.read { r in try (r as? any StoreWriter)?.insert(F.deploy(id: "d-sneaky")) }
            }
            #expect(try store.read { r in try r.deploy(id: "d-sneaky") } == nil)
            let escaped = try store.read { r in r }
            #expect(throws: StoreError.self) { try escaped.locks() }
            // A read inside a write body works.
            let seen = try store.write { w -> Int in
                try w.insert(F.deploy(id: "d-inner"))
                return try store.read { r in try r.environments().count }
            }
            #expect(seen == 0)
        }
    }
}
