import Foundation
import SlipwayHTTP

/// What takes work in from outside (the HTTP server). On shutdown the runner closes it before it stops any service,
/// so the services finish what came in without more arriving.
public protocol ServiceIntake: Sendable {
    /// Tells load balancers to send no more traffic (`/ready` answers 503).
    func markUnready()
    /// Refuses new requests; requests in flight continue.
    func stopAccepting()
    /// Waits up to `timeout` seconds for the requests in flight, then closes.
    /// - Returns: whether every request in flight finished in time.
    func finishInFlight(timeout: Double) async -> Bool
}

/// Runs Slipway's background services in one task group (after swift-service-lifecycle's `ServiceGroup`): it owns
/// the signals, leadership start and stop, and the order of a graceful shutdown.
///
/// Services run only while this replica leads (`LeaderElection`; with SQLite always). They are started in the
/// order given and stopped in the reverse order, one at a time, each stop waiting for the service to return.
///
/// On SIGTERM or SIGINT (or `shutDown()`, or a service that throws or returns on its own) the runner:
/// 1. marks the intake unready (`/ready` 503), so load balancers stop sending traffic;
/// 2. stops the intake taking requests;
/// 3. waits for the requests in flight (they may create deploys and wake the services);
/// 4. stops the services in reverse start order;
/// 5. returns, all within `drainSeconds`. Services still running at that deadline are cancelled together.
///
/// Losing leadership, or cancelling the task that runs the runner, cancels every service at once: another replica
/// may already lead, so there is no time for order.
public final class ServiceRunner: Sendable {
    /// The services in start order (stopped in reverse).
    public let services: [any Service]
    /// Services every replica runs, leader or not (Socket Mode: it takes work in like the HTTP server). They start
    /// with the runner and stop right after the intake closes, before the leader's services stop.
    public let replicaServices: [any Service]
    public let leadership: LeaderElection
    let intake: (any ServiceIntake)?
    /// Seconds from the signal until `run` returns.
    public let drainSeconds: Double
    let log: Log
    private let lifecycle = AwaitableState(Lifecycle())

    private struct Lifecycle: Sendable {
        /// A signal, `shutDown()` or a failed service asked for the graceful shutdown.
        var shutdownRequested = false
        /// The intake is closed: leading replicas stop their services, and start none.
        var stopServices = false
        /// Leadership terms whose services are running now (0 or 1).
        var runningTerms = 0
        /// The first service that threw or returned before it was stopped.
        var failure: ServiceRunnerError?
    }

    /// - Parameters:
    ///   - services: started in this order, stopped in the reverse order.
    ///   - leadership: decides when this replica runs them.
    ///   - intake: closed first on shutdown; nil when there is none (tests).
    ///   - drainSeconds: the time from the signal until `run` returns.
    ///   - log: where starts, stops and failures are logged.
    ///   - replicaServices: run on this replica whether it leads or not.
    public init(
        services: [any Service], leadership: LeaderElection, intake: (any ServiceIntake)?, drainSeconds: Double,
        log: Log, replicaServices: [any Service] = []
    ) {
        self.services = services
        self.replicaServices = replicaServices
        self.leadership = leadership
        self.intake = intake
        self.drainSeconds = drainSeconds
        self.log = log.with(["component": "service-runner"])
    }

    /// Asks for the graceful shutdown a signal would start; `run` carries it out.
    public func shutDown() {
        lifecycle.update { $0.shutdownRequested = true }
    }

    /// Runs until one of `signals` arrives, `shutDown()` is called or a service fails, then shuts down in order
    /// (see the type's documentation) and returns. Cancelling the calling task stops everything at once.
    /// - Parameters:
    ///   - signals: the signals that start the graceful shutdown.
    ///   - prepare: runs once before the services first compete for leadership (the GitOps checkout).
    /// - Throws: `ServiceRunnerError` naming the service that failed, after the shutdown.
    public func run(
        signals: [UnixSignal] = [.terminate, .interrupt], prepare: @escaping @Sendable () async -> Void = {}
    ) async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard let signal = await UnixSignals.first(of: signals) else { return }
                self.log.info("\(signal) received: shutting down", metadata: ["signal": "\(signal)"])
                self.shutDown()
            }
            group.addTask {
                await prepare()
                await self.runWhileLeading()
            }
            if await lifecycle.wait(until: { $0.shutdownRequested }) {
                await shutDownInOrder()
            }
            group.cancelAll()
        }
        if let failure = lifecycle.value.failure { throw failure }
    }

    /// Runs the services whenever this replica leads (and the replica services all along), until the task is
    /// cancelled (which stops them at once) or `run` has stopped them in order.
    public func runWhileLeading() async {
        await withTaskGroup(of: Void.self) { group in
            for service in replicaServices {
                group.addTask { await self.runOnThisReplica(service) }
            }
            group.addTask {
                await self.leadership.run { [self] in
                    await runTerm()
                }
            }
            await group.waitForAll()
        }
    }

    /// Runs a replica service until the intake closes (or the task is cancelled); one that fails or returns early
    /// is the runner's failure, as for the leader's services.
    private func runOnThisReplica(_ service: any Service) async {
        let stop = AwaitableState(false)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [lifecycle] in
                guard await lifecycle.wait(until: { $0.stopServices }) else { return }
                stop.update { $0 = true }
            }
            log.debug("starting", metadata: ["service": service.name])
            let ended = await Self.run(service, index: -1, until: stop)
            group.cancelAll()
            guard let ended, !Task.isCancelled, !stop.value else {
                log.debug("stopped", metadata: ["service": service.name])
                return
            }
            if let error = ended.error {
                log.error("stopped by an error: \(error)", metadata: ["service": service.name])
            } else {
                log.error("returned before it was asked to stop", metadata: ["service": service.name])
            }
            let failure = ServiceRunnerError(service: service.name, underlying: ended.error)
            lifecycle.update { state in
                if state.failure == nil { state.failure = failure }
                state.shutdownRequested = true
            }
        }
    }

    // MARK: Shutdown

    private func shutDownInOrder() async {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(drainSeconds)
        log.info("draining (up to \(Self.seconds(drainSeconds)))", metadata: ["drainSeconds": "\(drainSeconds)"])
        var clean = true
        if let intake {
            intake.markUnready()
            intake.stopAccepting()
            clean = await intake.finishInFlight(timeout: Self.seconds(clock.now.duration(to: deadline)))
        }
        lifecycle.update { $0.stopServices = true }
        let stopped = await lifecycle.wait(until: { $0.runningTerms == 0 }, deadline: deadline)
        if !stopped {
            log.warning("services still stopping at the drain deadline; cancelling them all")
        }
        if clean && stopped {
            log.info("drained; bye")
        } else if !clean {
            log.warning("drain timed out; exiting with requests still in flight")
        }
    }

    // MARK: One leadership term

    /// How one service's task ended.
    private struct Ended: Sendable {
        var index: Int
        /// nil when it returned (or was stopped).
        var error: (any Error)?
    }

    /// Runs every service until the runner stops them in order, one returns or throws (a failure: the runner
    /// shuts down), or the task is cancelled (leadership lost: all stop at once).
    private func runTerm() async {
        var starting = true
        lifecycle.update { state in
            starting = !state.stopServices
            if starting { state.runningTerms += 1 }
        }
        guard starting else { return }
        defer { lifecycle.update { $0.runningTerms -= 1 } }
        let stops = services.map { _ in AwaitableState(false) }
        await withTaskGroup(of: Ended?.self) { group in
            for (index, service) in services.enumerated() {
                log.debug("starting", metadata: ["service": service.name])
                group.addTask { await Self.run(service, index: index, until: stops[index]) }
            }
            group.addTask { [lifecycle] in
                _ = await lifecycle.wait(until: { $0.stopServices })
                return nil
            }
            var running = Set(services.indices)
            while let next = await group.next() {
                guard let ended = next else { break }  // stop in order, or cancelled
                running.remove(ended.index)
                if !Task.isCancelled { record(ended, expected: false) }
            }
            if Task.isCancelled {
                group.cancelAll()
                return
            }
            for index in services.indices.reversed() where running.contains(index) {
                log.debug("stopping", metadata: ["service": services[index].name])
                stops[index].update { $0 = true }
                while running.contains(index), let next = await group.next() {
                    guard let ended = next else { continue }
                    running.remove(ended.index)
                    record(ended, expected: ended.index == index)
                }
            }
            group.cancelAll()
        }
    }

    /// Logs how a service ended; an unexpected end is the runner's failure and starts the shutdown.
    private func record(_ ended: Ended, expected: Bool) {
        let name = services[ended.index].name
        if let error = ended.error {
            log.error("stopped by an error: \(error)", metadata: ["service": name])
        } else if expected {
            log.debug("stopped", metadata: ["service": name])
            return
        } else {
            log.error("returned before it was asked to stop", metadata: ["service": name])
        }
        let failure = ServiceRunnerError(service: name, underlying: ended.error)
        lifecycle.update { state in
            if state.failure == nil { state.failure = failure }
            state.shutdownRequested = true
        }
    }

    /// Runs `service` until it returns, throws, `stop` turns true or the task is cancelled.
    private static func run(_ service: any Service, index: Int, until stop: AwaitableState<Bool>) async -> Ended? {
        await withTaskGroup(of: Ended?.self) { group in
            group.addTask {
                do {
                    try await service.run()
                    return Ended(index: index, error: nil)
                } catch is CancellationError {
                    return Ended(index: index, error: nil)
                } catch {
                    return Ended(index: index, error: error)
                }
            }
            group.addTask {
                _ = await stop.wait(until: { $0 })
                return nil
            }
            var ended = await group.next() ?? nil
            group.cancelAll()
            while ended == nil, let next = await group.next() { ended = next }
            return ended
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return max(0, Double(seconds) + Double(attoseconds) / 1e18)
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}

/// A background service failed: it threw, or returned before the runner asked it to stop.
public struct ServiceRunnerError: Error, CustomStringConvertible {
    /// The service's name.
    public let service: String
    /// What it threw; nil when it returned.
    public let underlying: (any Error)?

    public var description: String {
        if let underlying { return "background service \(service) failed: \(underlying)" }
        return "background service \(service) stopped on its own"
    }
}
