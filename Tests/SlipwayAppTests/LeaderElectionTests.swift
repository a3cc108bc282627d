import DeployCore
import Foundation
import SlipwayApp
import SlipwayStore
import SlipwayTesting
import Synchronization
import Testing

/// Only the leader runs the background services; with PostgreSQL the leader is the replica holding a session-level
/// advisory lock, and another replica takes over when that session ends.
@Suite("Leader election: one replica runs the background services", .serialized, .harnessScope)
struct LeaderElectionTests {
    static let fast = LeaderElection.Timing(retryInterval: 0.1, checkInterval: 0.1)

    /// One replica's election, with services that only count whether they run.
    final class Replica: Sendable {
        let lock: PostgresSessionLock
        let election: LeaderElection
        private let counts = Mutex((running: 0, starts: 0))
        private let task = Mutex<Task<Void, Never>?>(nil)

        init(url: String) throws {
            lock = try PostgresSessionLock(url: url, key: LeaderElection.advisoryLockKey)
            election = LeaderElection(lock: lock, timing: LeaderElectionTests.fast, log: Log(minimum: .error))
        }

        /// Services running now (0 or 1), and how many times they were started.
        var running: Int { counts.withLock { $0.running } }
        var started: Int { counts.withLock { $0.starts } }

        func start() {
            let running = Task { [self] in
                await election.run {
                    self.counts.withLock {
                        $0.running += 1
                        $0.starts += 1
                    }
                    while !Task.isCancelled { try? await Task.sleep(nanoseconds: 5_000_000) }
                    self.counts.withLock { $0.running -= 1 }
                }
            }
            task.withLock { $0 = running }
        }

        /// Cancels the election and waits until it has stopped its services and closed its session.
        func stop() async {
            let running = task.withLock { $0 }
            running?.cancel()
            await running?.value
        }
    }

    static func waitUntil(timeout: Double = 10, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return (try? await condition()) == true
    }

    /// Waits until exactly one of the replicas leads and runs its services. - Returns: (leader, follower).
    static func settled(_ a: Replica, _ b: Replica) async throws -> (leader: Replica, follower: Replica) {
        let settled = await waitUntil {
            a.election.isLeader != b.election.isLeader && a.running + b.running == 1
        }
        try #require(settled, "one replica should lead: a \(a.election.isLeader), b \(b.election.isLeader)")
        return a.election.isLeader ? (a, b) : (b, a)
    }

    /// Two replicas on a new database, started and settled; both are stopped, and the database dropped, after `body`.
    static func withSettledReplicas(
        _ body: (TestPostgres.Database, _ leader: Replica, _ follower: Replica) async throws -> Void
    ) async throws {
        let database = try TestPostgres.makeDatabase()
        defer { database.drop() }
        let a = try Replica(url: database.url)
        let b = try Replica(url: database.url)
        a.start()
        b.start()
        do {
            let (leader, follower) = try await settled(a, b)
            try await body(database, leader, follower)
        } catch {
            await a.stop()
            await b.stop()
            throw error
        }
        await a.stop()
        await b.stop()
    }

    /// The `slipway_leader` gauge of a running Application.
    static func leaderGauge(_ h: SlipwayHarness) async throws -> Double? {
        let response = try await h.send(.get, "/metrics")
        let metrics = PrometheusText(response.bodyText)
        #expect(metrics.problems.isEmpty, "\(metrics.problems)")
        return metrics["slipway_leader"]
    }

    /// Stops a harness once, however the test ends.
    final class Stopper: Sendable {
        private let stopped = Mutex<Set<ObjectIdentifier>>([])

        func stop(_ h: SlipwayHarness) async {
            guard stopped.withLock({ $0.insert(ObjectIdentifier(h)).inserted }) else { return }
            await h.stop()
        }
    }

    @Test("with SQLite the one process leads once its services run, and /metrics says so")
    func sqliteProcessLeads() async throws {
        let h = try SlipwayHarness()
        #expect(try await Self.leaderGauge(h) == 0, "no background services run before runServices")
        h.startServices()
        #expect(await h.waitUntil { h.app.leadership.isLeader })
        #expect(try await Self.leaderGauge(h) == 1)
    }

    @Test(
        "two replicas on one PostgreSQL database: exactly one leads; when it stops, the other takes over",
        .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
    func handOverWhenTheLeaderStops() async throws {
        try await Self.withSettledReplicas { database, leader, follower in
            // Steady state: the follower keeps trying (every 0.1 s) and never gets the lock.
            for _ in 0..<50 {
                #expect(leader.election.isLeader && !follower.election.isLeader)
                #expect(leader.running == 1 && follower.running == 0)
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(follower.started == 0)
            // PostgreSQL agrees: one session holds the lock, the leader's.
            let leaderPID = try #require(await leader.lock.backendPID())
            #expect(try database.execute(Self.lockHolders) == String(leaderPID))

            let stoppedAt = Date()
            await leader.stop()
            #expect(!leader.election.isLeader && leader.running == 0, "a stopped replica runs nothing")
            #expect(await Self.waitUntil { follower.election.isLeader && follower.running == 1 })
            #expect(Date().timeIntervalSince(stoppedAt) < 5, "the follower took over within a few retry intervals")
            #expect(follower.started == 1)
            let followerPID = try #require(await follower.lock.backendPID())
            #expect(try database.execute(Self.lockHolders) == String(followerPID))
        }
    }

    @Test(
        "the leader's connection is cut: it stops its services and the other replica takes over",
        .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
    func handOverWhenTheConnectionDrops() async throws {
        try await Self.withSettledReplicas { database, leader, follower in
            let pid = try #require(await leader.lock.backendPID())
            // What a network cut or a server-side kill looks like: PostgreSQL ends the session and frees its locks.
            #expect(try database.execute("SELECT pg_terminate_backend(\(pid))") == "t")

            #expect(await Self.waitUntil { follower.election.isLeader && follower.running == 1 })
            #expect(
                await Self.waitUntil { !leader.election.isLeader && leader.running == 0 }, "the old leader stepped down"
            )
            // The old leader keeps competing from a new session, but the lock stays with the new leader.
            try await Task.sleep(nanoseconds: 500_000_000)
            #expect(follower.election.isLeader && !leader.election.isLeader)
            #expect(leader.running + follower.running == 1)
            let holder = try database.execute(Self.lockHolders)
            #expect(holder == String(try #require(await follower.lock.backendPID())))
            #expect(holder != String(pid))
        }
    }

    @Test(
        "two Applications on one PostgreSQL database: the follower serves Slack, the leader commits, then hands over",
        .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
    func twoApplications() async throws {
        let database = try TestPostgres.makeDatabase()
        defer { database.drop() }
        let stopper = Stopper()
        let first = try SlipwayHarness(databaseURL: database.url)
        let second = try SlipwayHarness(databaseURL: database.url)
        first.startServices()
        second.startServices()
        #expect(await first.waitUntil { first.app.leadership.isLeader != second.app.leadership.isLeader })
        let (leader, follower) = first.app.leadership.isLeader ? (first, second) : (second, first)
        #expect(try await Self.leaderGauge(leader) == 1)
        #expect(try await Self.leaderGauge(follower) == 0)
        // A follower still takes traffic once its checkout is prepared (which may finish after the leader leads).
        let followerReady = await Self.waitUntil { try await follower.send(.get, "/ready").status == 200 }
        #expect(followerReady, "a follower still takes traffic")

        // A slash command answered by the follower is carried out by the leader's worker (its GitOps remote).
        let initialHead = try follower.git.remoteHead()
        let reply = try await follower.reply("/deploy shop staging main-1eade71")
        #expect(reply.text.contains("main-1eade71"), "\(reply.text)")
        let deploy = try #require(try follower.latestDeploy("shop", "staging"))
        #expect(await follower.waitUntil(timeout: 20) { try follower.deploy(deploy.id)?.gitCommit != nil })
        let commit = try #require(try follower.deploy(deploy.id)?.gitCommit)
        #expect(try leader.git.remoteHead() == commit)
        #expect(try follower.git.remoteHead() == initialHead, "the follower pushed nothing")

        await stopper.stop(leader)
        #expect(await follower.waitUntil(timeout: 10) { follower.app.leadership.isLeader })
        #expect(try await Self.leaderGauge(follower) == 1)
    }

    @Test("a replica that cannot reach PostgreSQL never leads and runs no background service")
    func unreachableDatabaseMeansFollower() async throws {
        // Nothing listens on port 9: the replica cannot take part, so it never runs services.
        let lock = try PostgresSessionLock(
            url: "postgresql://slipway@127.0.0.1:9/slipway?connect_timeout=1", key: LeaderElection.advisoryLockKey)
        let election = LeaderElection(lock: lock, timing: Self.fast, log: Log(minimum: .error))
        let ran = LockedFlag()
        let task = Task { await election.run { ran.set() } }
        try await Task.sleep(nanoseconds: 400_000_000)
        #expect(!election.isLeader)
        #expect(!ran.value)
        task.cancel()
        await task.value
    }

    /// Sessions holding the leader lock, as PostgreSQL lists them.
    static let lockHolders = """
        SELECT string_agg(pid::text, ',') FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND classid::bigint = \(UInt64(bitPattern: LeaderElection.advisoryLockKey) >> 32)
          AND objid::bigint = \(UInt64(bitPattern: LeaderElection.advisoryLockKey) & 0xffff_ffff)
        """

    final class LockedFlag: Sendable {
        private let flag = Mutex(false)
        var value: Bool { flag.withLock { $0 } }
        func set() { flag.withLock { $0 = true } }
    }
}
