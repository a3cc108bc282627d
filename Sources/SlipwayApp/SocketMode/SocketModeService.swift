import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwaySocketMode
import Synchronization

/// Slack Socket Mode: keeps a WebSocket to Slack open (`apps.connections.open` with the app-level token), hands
/// every envelope to the same ``SlackIngress`` the HTTP routes use, and acknowledges it with its `envelope_id` (and
/// the command's reply as the `payload`) as soon as it is handled, well within Slack's 3 seconds.
///
/// - On `disconnect` (`refresh_requested`, `warning`, `link_disabled`) a new connection is opened and has said
///   `hello` before the old one is closed, so nothing arrives while there is none.
/// - A connection that is lost is replaced at once; failed attempts back off exponentially with jitter.
/// - An envelope delivered again (same `envelope_id`) is acknowledged again, with the same reply, and not handled
///   twice; Events API retries are caught by their `event_id` in ``SlackIngress``.
///
/// Runs on every replica (Slack allows 10 connections per app and delivers each envelope to one of them).
public final class SocketModeService: Service {
    /// Backoff and waiting times.
    public struct Timing: Sendable {
        /// The delay before the second attempt in a row; it doubles per failure up to `maxBackoffSeconds`.
        public var firstBackoffSeconds: Double
        public var maxBackoffSeconds: Double
        /// How long a new connection may take to say `hello`.
        public var helloTimeoutSeconds: Double

        public init(firstBackoffSeconds: Double = 1, maxBackoffSeconds: Double = 30, helloTimeoutSeconds: Double = 10) {
            self.firstBackoffSeconds = firstBackoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
            self.helloTimeoutSeconds = helloTimeoutSeconds
        }

        /// The wait before attempt `attempt` (1: the first retry): exponential, capped, with "equal jitter" (half
        /// fixed, half random) so replicas that lost Slack together do not retry together.
        func backoff(attempt: Int) -> Double {
            let ceiling = min(maxBackoffSeconds, firstBackoffSeconds * pow(2, Double(max(0, attempt - 1))))
            return ceiling / 2 + Double.random(in: 0...(ceiling / 2))
        }
    }

    public var name: String { "socket-mode" }
    let ingress: SlackIngress
    /// `apps.connections.open`: a fresh WebSocket URL per connection.
    let openURL: @Sendable () async throws -> String
    public let metrics: SocketModeMetrics
    let timing: Timing
    let log: Log
    let envelopes = EnvelopeLedger()

    /// - Parameters:
    ///   - ingress: what handles commands, clicks and events (shared with the HTTP routes).
    ///   - openURL: calls `apps.connections.open` with the app-level token.
    ///   - metrics: connection state and counters, for `/metrics`.
    ///   - timing: backoff and hello timeout.
    ///   - log: where connections and failures are logged (never the URL: it holds a ticket).
    public init(
        ingress: SlackIngress, openURL: @escaping @Sendable () async throws -> String,
        metrics: SocketModeMetrics = SocketModeMetrics(), timing: Timing = Timing(), log: Log
    ) {
        self.ingress = ingress
        self.openURL = openURL
        self.metrics = metrics
        self.timing = timing
        self.log = log.with(["component": "socket-mode"])
    }

    /// What the connections tell the loop that manages them.
    private enum Signal: Sendable {
        case disconnect(id: Int, reason: String)
        case ended(id: Int)
    }

    /// How far a new connection got.
    private enum Phase: Sendable, Equatable {
        case waiting, ready, failed
    }

    /// The connections the loop manages; `primary` is the newest one that said hello.
    private struct Connections {
        var open: [Int: WebSocketConnection] = [:]
        var primary: Int?
        var nextId = 1
    }

    public func run() async throws {
        let client = try WebSocketClient()
        defer { client.shutdown() }
        let (signals, signal) = AsyncStream.makeStream(of: Signal.self)
        await withTaskGroup(of: Void.self) { group in
            var connections = Connections()
            connections.primary = await establish(client, &connections, &group, signal)
            for await event in signals {
                switch event {
                case .disconnect(let id, let reason):
                    // A warning or refresh on an older connection during an overlap needs nothing more.
                    guard id == connections.primary else { break }
                    log.info(
                        "Slack asked to close connection \(id) (\(reason)); opening a new one first",
                        metadata: ["reason": reason])
                    metrics.reconnect(reason: reason)
                    let old = connections.open[id]
                    if let new = await establish(client, &connections, &group, signal) {
                        connections.primary = new
                    }
                    old?.close()
                case .ended(let id):
                    connections.open[id] = nil
                    guard id == connections.primary else { break }
                    log.warning("Socket Mode connection \(id) was lost; reconnecting")
                    metrics.reconnect(reason: "lost")
                    connections.primary = await establish(client, &connections, &group, signal)
                }
                if Task.isCancelled { break }
            }
            for connection in connections.open.values { connection.close() }
            signal.finish()
            group.cancelAll()
        }
    }

    /// Opens connections until one says hello (backing off after failures) and returns its id; nil when cancelled.
    private func establish(
        _ client: WebSocketClient, _ connections: inout Connections, _ group: inout TaskGroup<Void>,
        _ signal: AsyncStream<Signal>.Continuation
    ) async -> Int? {
        var attempt = 0
        while !Task.isCancelled {
            if attempt > 0 {
                try? await Task.sleep(for: .seconds(timing.backoff(attempt: attempt)))
                if Task.isCancelled { return nil }
            }
            attempt += 1
            metrics.connecting(1)
            defer { metrics.connecting(-1) }
            let connection: WebSocketConnection
            do {
                connection = try client.connect(to: try await openURL())
            } catch {
                metrics.connectFailed()
                let code = (error as? SlackAPIError)?.code
                if let code, ["invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked"].contains(code) {
                    log.error(
                        "Slack refused the Socket Mode token (\(code)): the variable slack.socketMode.appTokenEnv "
                            + "names must hold the app-level token (xapp-…) with the connections:write scope, made "
                            + "under Basic Information → App-Level Tokens; retrying (attempt \(attempt))",
                        metadata: ["attempt": "\(attempt)", "error": code])
                } else {
                    log.warning(
                        "could not open a Socket Mode connection (attempt \(attempt)): \(error)",
                        metadata: ["attempt": "\(attempt)"])
                }
                continue
            }
            let id = connections.nextId
            connections.nextId += 1
            connections.open[id] = connection
            let phase = AwaitableState(Phase.waiting)
            group.addTask { await self.serve(connection, id: id, phase: phase, signal: signal) }
            let deadline = ContinuousClock.now + .seconds(timing.helloTimeoutSeconds)
            _ = await phase.wait(until: { $0 != .waiting }, deadline: deadline)
            if phase.value == .ready {
                log.info("Socket Mode connection \(id) is open", metadata: ["connection": "\(id)"])
                return id
            }
            metrics.connectFailed()
            log.warning(
                "Socket Mode connection \(id) did not say hello (attempt \(attempt))",
                metadata: ["attempt": "\(attempt)"])
            connection.close()
        }
        return nil
    }

    /// Reads one connection until it closes: envelopes are handled concurrently, each acknowledged on it.
    private func serve(
        _ connection: WebSocketConnection, id: Int, phase: AwaitableState<Phase>,
        signal: AsyncStream<Signal>.Continuation
    ) async {
        var saidHello = false
        await withTaskGroup(of: Void.self) { handlers in
            for await event in connection.events {
                guard case .message(let bytes) = event else {
                    if case .closed(let reason) = event, let reason {
                        log.warning("Socket Mode connection \(id) closed: \(reason)")
                    }
                    continue
                }
                let envelope: SocketModeEnvelope
                do {
                    envelope = try SocketModeEnvelope(json: bytes)
                } catch {
                    log.warning("ignored a Socket Mode message: \((error as? SlackPayloadError)?.reason ?? "\(error)")")
                    continue
                }
                switch envelope.kind {
                case .hello:
                    if !saidHello {
                        saidHello = true
                        metrics.open(1)
                    }
                    phase.update { $0 = .ready }
                case .disconnect(let reason):
                    signal.yield(.disconnect(id: id, reason: reason))
                default:
                    handlers.addTask { await self.handle(envelope, on: connection) }
                }
            }
        }
        if saidHello { metrics.open(-1) }
        phase.update { if $0 == .waiting { $0 = .failed } }
        signal.yield(.ended(id: id))
    }

    /// Handles one envelope (once per `envelope_id`) and acknowledges it.
    func handle(_ envelope: SocketModeEnvelope, on connection: WebSocketConnection) async {
        metrics.envelope(type: envelope.typeName)
        guard let envelopeId = envelope.envelopeId else { return }
        switch envelopes.begin(envelopeId) {
        case .handled(let reply):
            metrics.redelivered()
            log.info(
                "envelope delivered again (retry \(envelope.retryAttempt)); acknowledged, not handled twice",
                metadata: ["envelope": envelopeId, "type": envelope.typeName])
            connection.send(SocketModeEnvelope.acknowledgement(envelopeId: envelopeId, payload: reply))
            return
        case .inProgress:
            // The first delivery is being handled on another connection; its acknowledgement answers Slack.
            metrics.redelivered()
            return
        case .first:
            break
        }
        let ingress = self.ingress
        let kind = envelope.kind
        let response =
            (try? await BlockingWork.run { () -> HTTPResponse in
                switch kind {
                case .command(let formBody): ingress.command(SlashCommandForm(formBody: formBody))
                case .interaction(let json): ingress.interaction(json: json)
                case .event(let json): ingress.event(json: json)
                case .hello, .disconnect, .other: HTTPResponse(status: 200)
                }
            }) ?? HTTPResponse(status: 500)
        if response.status != 200 {
            log.warning(
                "\(envelope.typeName) envelope refused (\(response.status)): \(response.bodyText)",
                metadata: ["envelope": envelopeId])
        }
        let payload = envelope.acceptsResponsePayload && response.status == 200 ? response.body : nil
        envelopes.finish(envelopeId, reply: payload)
        connection.send(SocketModeEnvelope.acknowledgement(envelopeId: envelopeId, payload: payload))
    }
}

/// The envelopes already taken on, with the reply each was acknowledged with (bounded: Slack redelivers within
/// minutes, never hours later).
final class EnvelopeLedger: Sendable {
    enum Sighting: Equatable {
        case first
        case inProgress
        case handled(reply: [UInt8]?)
    }

    private struct State {
        var replies: [String: [UInt8]?] = [:]
        var inProgress: Set<String> = []
        var order: [String] = []
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Records `id` as being handled when it is new.
    func begin(_ id: String) -> Sighting {
        state.withLock { state in
            if let reply = state.replies[id] { return .handled(reply: reply) }
            guard state.inProgress.insert(id).inserted else { return .inProgress }
            return .first
        }
    }

    /// Remembers the reply of a handled envelope.
    func finish(_ id: String, reply: [UInt8]?) {
        state.withLock { state in
            state.inProgress.remove(id)
            state.replies[id] = .some(reply)
            state.order.append(id)
            if state.order.count > capacity {
                let dropped = state.order.count - capacity / 2
                for old in state.order[..<dropped] { state.replies[old] = nil }
                state.order.removeFirst(dropped)
            }
        }
    }
}
