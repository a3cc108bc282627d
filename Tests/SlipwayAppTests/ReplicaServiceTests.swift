import Foundation
import Testing

@testable import SlipwayApp

/// Services every replica runs (Socket Mode): they run on a follower too, and stop when the intake closes, before
/// the leader's services.
@Suite("Service runner: services on every replica")
struct ReplicaServiceTests {
    typealias Journal = ServiceRunnerTests.Journal
    typealias JournalService = ServiceRunnerTests.JournalService

    static func runner(_ journal: Journal, lock: ServiceRunnerTests.SwitchedLock) -> ServiceRunner {
        let log = Log(minimum: .error)
        return ServiceRunner(
            services: [JournalService(name: "worker", journal: journal)],
            leadership: LeaderElection(lock: lock, timing: ServiceRunnerTests.fast, log: log),
            intake: ServiceRunnerTests.JournalIntake(journal: journal), drainSeconds: 5, log: log,
            replicaServices: [JournalService(name: "socket-mode", journal: journal)])
    }

    @Test("a follower runs the replica services and not the leader's; shutdown stops them after the intake closes")
    func follower() async throws {
        let journal = Journal()
        let lock = ServiceRunnerTests.SwitchedLock()
        let runner = Self.runner(journal, lock: lock)
        let running = Task { try await runner.run(signals: []) }
        #expect(await ServiceRunnerTests.waitUntil { journal.all == ["start socket-mode"] })
        try await Task.sleep(nanoseconds: 100_000_000)  // several leadership attempts, all refused
        #expect(journal.all == ["start socket-mode"])
        lock.held.withLock { $0 = true }
        #expect(await ServiceRunnerTests.waitUntil { journal.all.contains("start worker") })
        runner.shutDown()
        try await running.value
        let stops = journal.all.filter { !$0.hasPrefix("start") }
        #expect(Array(stops.prefix(3)) == ["unready", "stop accepting", "in flight finished"])
        #expect(Set(stops.dropFirst(3)) == ["stop socket-mode", "stop worker"])
    }

    @Test("a replica service that throws shuts the runner down, and run throws naming it")
    func failure() async throws {
        let journal = Journal()
        let log = Log(minimum: .error)
        let runner = ServiceRunner(
            services: [],
            leadership: LeaderElection(lock: SingleProcessLock(), timing: ServiceRunnerTests.fast, log: log),
            intake: nil, drainSeconds: 5, log: log,
            replicaServices: [
                JournalService(name: "socket-mode", journal: journal, failure: ServiceRunnerTests.Failure())
            ])
        let error = await #expect(throws: ServiceRunnerError.self) { try await runner.run(signals: []) }
        #expect(error?.service == "socket-mode")
    }
}
