import Foundation
import Synchronization
import Testing

@testable import SlipwayApp

/// The runner that owns the background services: leadership decides when they run; a graceful shutdown closes the
/// intake first and then stops the services in reverse start order, all within `drainSeconds`.
@Suite("Service runner")
struct ServiceRunnerTests {
    /// What happened, in order, across the intake and the services.
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }

    /// Runs until cancelled, noting its start and stop; with `failure`, throws it right after starting.
    struct JournalService: Service {
        let name: String
        let journal: Journal
        var failure: Failure?

        func run() async throws {
            journal.append("start \(name)")
            if let failure { throw failure }
            while !Task.isCancelled { try? await Task.sleep(nanoseconds: 1_000_000_000) }
            journal.append("stop \(name)")
        }
    }

    /// An intake whose last request in flight takes `inFlightSeconds` to finish.
    struct JournalIntake: ServiceIntake {
        let journal: Journal
        var inFlightSeconds: Double = 0.1

        func markUnready() { journal.append("unready") }
        func stopAccepting() { journal.append("stop accepting") }
        func finishInFlight(timeout: Double) async -> Bool {
            try? await Task.sleep(nanoseconds: UInt64(min(timeout, inFlightSeconds) * 1e9))
            let finished = inFlightSeconds <= timeout
            journal.append(finished ? "in flight finished" : "in flight timed out")
            return finished
        }
    }

    /// A leader lock the test hands out and takes away.
    final class SwitchedLock: LeaderLock {
        let held = Mutex(false)
        var name: String { "the test lock" }
        func tryAcquire() async throws -> Bool { held.withLock { $0 } }
        func isHeld() async -> Bool { held.withLock { $0 } }
        func release() async {}
    }

    static let fast = LeaderElection.Timing(retryInterval: 0.02, checkInterval: 0.02)

    static func runner(
        _ services: [any Service], intake: (any ServiceIntake)?, drainSeconds: Double = 5,
        lock: any LeaderLock = SingleProcessLock(), log: Log = Log(minimum: .error)
    ) -> ServiceRunner {
        ServiceRunner(
            services: services, leadership: LeaderElection(lock: lock, timing: fast, log: log), intake: intake,
            drainSeconds: drainSeconds, log: log)
    }

    static func waitUntil(timeout: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return condition()
    }

    @Test("shutdown: /ready 503, intake closed, in-flight requests finish, then services stop in reverse start order")
    func stopOrder() async throws {
        let journal = Journal()
        let names = ["outbox", "pruner", "monitor", "worker"]
        let runner = Self.runner(
            names.map { JournalService(name: $0, journal: journal) }, intake: JournalIntake(journal: journal))
        let running = Task { try await runner.run(signals: []) }
        #expect(await Self.waitUntil { journal.all.count == 4 })
        #expect(Set(journal.all) == Set(names.map { "start \($0)" }))
        let started = Date()
        runner.shutDown()
        try await running.value
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(
            Array(journal.all.dropFirst(4)) == [
                "unready", "stop accepting", "in flight finished", "stop worker", "stop monitor", "stop pruner",
                "stop outbox",
            ])
        #expect(!runner.leadership.isLeader, "stepped down")
    }

    @Test("a service that throws shuts the others down in order, and run throws naming it")
    func serviceThrows() async throws {
        let journal = Journal()
        let capture = LogCapture()
        let runner = Self.runner(
            [
                JournalService(name: "outbox", journal: journal),
                JournalService(name: "monitor", journal: journal, failure: Failure()),
                JournalService(name: "worker", journal: journal),
            ], intake: JournalIntake(journal: journal), log: Log(minimum: .debug, sink: capture))
        let error = await #expect(throws: ServiceRunnerError.self) { try await runner.run(signals: []) }
        #expect(error?.service == "monitor")
        #expect(error?.description == "background service monitor failed: disk on fire")
        let afterStarts = journal.all.filter { !$0.hasPrefix("start") }
        #expect(afterStarts == ["unready", "stop accepting", "in flight finished", "stop worker", "stop outbox"])
        let failure = try #require(capture.records.first { $0.level == .error })
        #expect(failure.message == "stopped by an error: disk on fire")
        #expect(failure.metadata["service"] == "monitor")
        #expect(failure.metadata["component"] == "service-runner")
    }

    @Test("requests still in flight at drainSeconds do not hold the process: run returns within drainSeconds")
    func drainDeadline() async throws {
        let journal = Journal()
        let capture = LogCapture()
        let runner = Self.runner(
            [JournalService(name: "worker", journal: journal)],
            intake: JournalIntake(journal: journal, inFlightSeconds: 30), drainSeconds: 0.5,
            log: Log(minimum: .info, sink: capture))
        let running = Task { try await runner.run(signals: []) }
        #expect(await Self.waitUntil { journal.all == ["start worker"] })
        let started = Date()
        runner.shutDown()
        try await running.value
        #expect(Date().timeIntervalSince(started) < 1.5)
        #expect(journal.all == ["start worker", "unready", "stop accepting", "in flight timed out", "stop worker"])
        #expect(capture.records.contains { $0.message == "drain timed out; exiting with requests still in flight" })
    }

    @Test("services run only while this replica holds the leader lock")
    func leadership() async throws {
        let journal = Journal()
        let lock = SwitchedLock()
        let runner = Self.runner([JournalService(name: "worker", journal: journal)], intake: nil, lock: lock)
        let running = Task { await runner.runWhileLeading() }
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(journal.all.isEmpty, "a follower runs nothing")
        lock.held.withLock { $0 = true }
        #expect(await Self.waitUntil { journal.all == ["start worker"] })
        lock.held.withLock { $0 = false }
        #expect(await Self.waitUntil { journal.all == ["start worker", "stop worker"] }, "lost the lock: stopped")
        lock.held.withLock { $0 = true }
        #expect(await Self.waitUntil { journal.all.count == 3 }, "leads again: started again")
        running.cancel()
        await running.value
        #expect(journal.all == ["start worker", "stop worker", "start worker", "stop worker"])
    }

    @Test("a shutdown while following starts no service and returns at once")
    func shutdownAsFollower() async throws {
        let journal = Journal()
        let lock = SwitchedLock()
        let runner = Self.runner([JournalService(name: "worker", journal: journal)], intake: nil, lock: lock)
        let running = Task { try await runner.run(signals: []) }
        try await Task.sleep(nanoseconds: 100_000_000)
        runner.shutDown()
        try await running.value
        lock.held.withLock { $0 = true }
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(journal.all.isEmpty)
    }
}
