import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayStore
import SlipwayTesting
import Synchronization
import Testing

@testable import SlipwayApp

/// Background services never block Swift's cooperative pool with a store call: each one runs on the store's own
/// executor threads, outside any task.
@Suite("Background services call the store off the cooperative pool", .serialized)
struct BackgroundStoreCallsTests {
    /// A store that notes, for every call, whether it ran inside a Swift task (on the cooperative pool).
    final class CallSiteStore: Store {
        let base: any Store
        private let calls = Mutex<[(what: String, inTask: Bool)]>([])

        init(_ base: any Store) { self.base = base }

        var executor: StoreExecutor { base.executor }

        func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
            note("read")
            return try base.read(body)
        }

        func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
            note("write")
            return try base.write(body)
        }

        private func note(_ what: String) {
            let inTask = withUnsafeCurrentTask { $0 != nil }
            calls.withLock { $0.append((what, inTask)) }
        }

        /// The calls since the last `reset`, and which of them ran inside a task.
        var noted: (count: Int, inTask: [String]) {
            calls.withLock { calls in (calls.count, calls.filter(\.inTask).map(\.what)) }
        }

        func reset() { calls.withLock { $0.removeAll() } }
    }

    @Test("the deploy worker, the rollout monitor and the pruner reach the store on its executor")
    func servicesUseTheExecutor() async throws {
        let h = try SlipwayHarness()
        defer { Task { await h.stop() } }
        let recorded = CallSiteStore(try SQLiteStore(path: h.directory + "/recorded.sqlite"))
        let store = ObservedStore(recorded)
        let now = Mutex(Date())
        let clock: @Sendable () -> Date = { now.withLock { $0 } }
        let config = h.config
        let renderer = DeployMessageRenderer(runbooksBaseURL: config.runbooksBaseURL, onCall: config.onCallSlackUserIds)
        let coordinator = DeployCoordinator(
            store: store, catalog: config.catalog, policy: config.policy,
            outbox: OutboxComposer(
                deployChannel: config.slack.deployChannel, onCall: config.onCallSlackUserIds, pagingEnabled: false,
                catalog: config.catalog, renderer: renderer), clock: clock)
        let deploy = Deploy(
            id: Identifiers.deployId(), service: "shop", environment: "prod", kind: .deploy, source: .slack,
            targetTag: "main-abcdef1", requestedBy: "U0ALICE", createdAt: clock())
        try coordinator.create(deploy, requiresApproval: true, origin: "test")
        now.withLock { $0 += 2 * config.policy.approvalTimeoutSeconds }
        recorded.reset()

        let log = Log(minimum: .error)
        let worker = DeployWorker(coordinator: coordinator, gitops: h.app.gitops, log: log)
        await worker.processOnce()
        let client = KubernetesClient(configuration: h.app.monitor.observer.client.configuration)
        let monitor = RolloutMonitor(
            coordinator: coordinator, client: client, policy: config.policy, branch: "main", wake: Wakeup(), log: log)
        await monitor.pollOnce()
        let pruner = StorePruner(store: store, clock: clock, log: log)
        #expect(await pruner.pruneOnce() != nil)

        let noted = recorded.noted
        #expect(try store.read { r in try r.deploy(id: deploy.id) }?.state == .cancelled, "the approval expired")
        #expect(noted.count >= 5, "reads, the expiry's write and the prune's write")
        #expect(noted.inTask.isEmpty, "store calls made on the cooperative pool: \(noted.inTask)")
    }
}
