import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwaySlack
import Synchronization

/// Keeps Flux image automation from undoing a pin: while an environment with `imageAutomation` is locked (after a
/// rollback, or by `/deploy lock`), its ImageUpdateAutomation is suspended (`spec.suspend: true`, merge patch); once
/// unlocked, it is resumed. Each change is said in the deploy channel.
///
/// It reconciles the store's locks with the cluster every `interval` seconds rather than hooking the lock and unlock
/// paths, so a lock taken or removed by any replica, or while the API server was down, is followed all the same.
/// Only an automation carrying Slipway's annotation (`FluxReconciler.suspendedByAnnotation`) is resumed: one a person
/// suspended stays suspended.
public final class ImageAutomationSwitch: Service {
    public var name: String { "image-automation-switch" }
    let coordinator: DeployCoordinator
    /// A reconciler per cluster name; an automation is switched in its environment's cluster.
    let reconcilers: [String: FluxReconciler]
    let log: Log
    /// Seconds between looks at the store's locks.
    public let interval: Double
    /// Environments whose automation was last left in the wanted state, and that state (true: suspended).
    private let settled = Mutex<[EnvironmentKey: Bool]>([:])
    private let warnings = RepeatedWarnings()

    public init(coordinator: DeployCoordinator, clusters: ClusterClients, log: Log, interval: Double = 1) {
        self.coordinator = coordinator
        self.reconcilers = clusters.byName.mapValues {
            FluxReconciler(client: $0, retry: KubernetesRetry(attempts: 2, initialDelay: 0.2))
        }
        self.log = log.with(["component": "image-automation"])
        self.interval = max(0.01, interval)
    }

    /// The environments that name an ImageUpdateAutomation.
    var targets: [(key: EnvironmentKey, automation: ImageAutomationRef, cluster: String)] {
        coordinator.catalog.services.values.flatMap { service in
            service.environments.values.compactMap { env in
                env.imageAutomation.map {
                    (
                        EnvironmentKey(service: service.name, environment: env.name), $0,
                        SlipwayConfig.clusterName(of: env)
                    )
                }
            }
        }.sorted { $0.key.description < $1.key.description }
    }

    /// Runs until cancelled (a service that returns early stops the others), idle when no environment names one.
    public func run() async {
        while !Task.isCancelled {
            await syncOnce()
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }

    /// Suspends the automations of locked environments and resumes those of unlocked ones, where not done yet.
    /// - Returns: how many automations were suspended or resumed.
    @discardableResult
    public func syncOnce() async -> Int {
        let targets = self.targets
        guard !targets.isEmpty else { return 0 }
        let store = coordinator.store
        let locks: [EnvironmentKey: EnvironmentLock]
        do {
            let all = try await store.executor.run { try store.read { r in try r.locks() } }
            locks = Dictionary(
                all.map { (EnvironmentKey(service: $0.service, environment: $0.environment), $0) },
                uniquingKeysWith: { a, _ in a })
        } catch {
            log.error("cannot read the locks: \(error)")
            return 0
        }
        var changed = 0
        for (key, automation, cluster) in targets {
            guard let reconciler = reconcilers[cluster] else { continue }
            let lock = locks[key]
            let wanted = lock != nil
            if settled.withLock({ $0[key] }) == wanted { continue }
            let now = coordinator.clock()
            let warningKey = RepeatedWarnings.Key(what: "image automation", subject: key.description)
            do {
                let object = try await reconciler.client.get(
                    .imageUpdateAutomations(apiVersion: automation.apiVersion),
                    namespace: automation.object.namespace, name: automation.object.name)
                if let lock, !object.isSuspended {
                    try await reconciler.setImageAutomation(
                        automation, suspendedFor: "\(key) locked by \(lock.lockedBy)")
                    try await announce(
                        key: "image-automation:\(key):suspend:\(Int(lock.lockedAt.timeIntervalSince1970 * 1000))",
                        text: "⏸️ Suspended Flux image automation `\(SlackText.escape(automation.object.description))` "
                            + "while `\(SlackText.escape(key.description))` is locked, so it cannot overwrite the "
                            + "pinned tag. It resumes on unlock.", now: now)
                    log.info("suspended ImageUpdateAutomation \(automation.object) while \(key) is locked")
                    changed += 1
                } else if lock == nil, object.isSuspended,
                    object.metadata.annotation(FluxReconciler.suspendedByAnnotation) != nil
                {
                    try await reconciler.setImageAutomation(automation, suspendedFor: nil)
                    try await announce(
                        key: "image-automation:\(key):resume:\(Int(now.timeIntervalSince1970 * 1000))",
                        text: "▶️ Resumed Flux image automation `\(SlackText.escape(automation.object.description))`: "
                            + "`\(SlackText.escape(key.description))` is unlocked.", now: now)
                    log.info("resumed ImageUpdateAutomation \(automation.object): \(key) is unlocked")
                    changed += 1
                }
                settled.withLock { $0[key] = wanted }
                if let line = warnings.success(warningKey, now: now) { log.info(line) }
            } catch {
                let verb = wanted ? "suspend" : "resume"
                if let line = warnings.failure(
                    warningKey, "cannot \(verb) ImageUpdateAutomation \(automation.object): \(error)", now: now)
                {
                    log.warning(line)
                }
            }
        }
        return changed
    }

    /// Posts `text` in the deploy channel through the outbox (once per `key`).
    private func announce(key: String, text: String, now: Date) async throws {
        let message = OutboxMessage(
            key: key, deployId: nil, target: .channelMessage,
            payload: OutboxPayload(
                channel: coordinator.outbox.deployChannel, message: SlackMessage(text: text, blocks: [.section(text)])
            ).encoded(), createdAt: now)
        let store = coordinator.store
        _ = try await store.executor.run { try store.write { w in try w.enqueue(message) } }
        coordinator.outboxAvailable.signal()
    }
}
