import Foundation
import SlipwaySocketMode
import Synchronization

/// Slack's Socket Mode side, over a real WebSocket (libwebsockets, via `SlipwaySocketMode`) on loopback: hands out
/// single-use URLs through the fake Slack's `apps.connections.open`, says `hello` on each connection, sends
/// envelopes (`slash_commands`, `interactive`, `events_api`) in Slack's documented shape, records each
/// acknowledgement with its latency, sends `disconnect` and drops connections.
public final class FakeSocketModeServer: Sendable {
    /// The app-level token the fake Slack accepts for `apps.connections.open` (and the harness exports).
    public static let defaultAppToken = "xapp-1-A0SLIPWAY-1-fake"

    /// An acknowledgement Slipway sent.
    public struct Ack: Sendable {
        public let envelopeId: String
        /// The `payload` JSON, if the acknowledgement carried one.
        public let payload: [UInt8]?
        /// From the envelope's send to its acknowledgement's arrival.
        public let latency: Duration
        /// The connection it came on (1 for the first).
        public let connection: Int

        /// The payload decoded as a JSON object.
        public var payloadObject: [String: Any]? {
            payload.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        }
    }

    public let appToken: String
    private let server: WebSocketServer
    private let state = Mutex(State())
    private let acceptor: Mutex<Task<Void, Never>?> = Mutex(nil)

    private struct Link {
        var connection: WebSocketConnection
        var open = true
    }

    private struct State {
        var tickets: Set<String> = []
        var nextTicket = 1
        var links: [Int: Link] = [:]
        var nextLink = 1
        var sentAt: [String: ContinuousClock.Instant] = [:]
        var acks: [Ack] = []
        var nextEnvelope = 1
        /// Connections refused (unknown or reused ticket).
        var refused = 0
        /// The most connections open at one time.
        var peakOpen = 0
    }

    /// Listens on a loopback port.
    /// - Throws: `WebSocketError` when it cannot.
    public init(appToken: String = defaultAppToken) throws {
        self.appToken = appToken
        server = try WebSocketServer()
        let task = Task { [server, weak self] in
            for await connection in server.connections {
                guard let self else {
                    connection.close()
                    continue
                }
                self.accept(connection)
            }
        }
        acceptor.withLock { $0 = task }
    }

    deinit {
        shutdown()
    }

    /// Makes `slack`'s `apps.connections.open` hand out this server's URLs.
    public func attach(to slack: FakeSlack) {
        slack.socketMode.withLock { $0 = self }
    }

    /// A new single-use URL, as `apps.connections.open` returns it.
    func issueURL() -> String? {
        let ticket = state.withLock { state -> String in
            defer { state.nextTicket += 1 }
            let ticket = "ticket-\(state.nextTicket)"
            state.tickets.insert(ticket)
            return ticket
        }
        return "ws://127.0.0.1:\(server.port)/link/\(ticket)"
    }

    private func accept(_ connection: WebSocketConnection) {
        let ticket = String(connection.path.split(separator: "/").last ?? "")
        let id = state.withLock { state -> Int? in
            guard state.tickets.remove(ticket) != nil else {
                state.refused += 1
                return nil
            }
            defer { state.nextLink += 1 }
            state.links[state.nextLink] = Link(connection: connection)
            state.peakOpen = max(state.peakOpen, state.links.values.filter(\.open).count)
            return state.nextLink
        }
        guard let id else {
            connection.close()
            return
        }
        let count = openConnections
        connection.send(
            #"{"type":"hello","num_connections":\#(count),"debug_info":{"host":"fake-socket-mode","approximate_connection_time":18060},"connection_info":{"app_id":"A0SLIPWAY"}}"#
        )
        Task { [weak self] in
            for await event in connection.events {
                guard let self else { return }
                switch event {
                case .message(let bytes): self.received(bytes, on: id)
                case .closed: self.state.withLock { _ = $0.links[id]?.open = false }
                case .opened: break
                }
            }
            self?.state.withLock { _ = $0.links[id]?.open = false }
        }
    }

    private func received(_ bytes: [UInt8], on connection: Int) {
        let now = ContinuousClock.now
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let envelopeId = object["envelope_id"] as? String
        else { return }
        let payload = (object["payload"] as? [String: Any]).flatMap {
            try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])
        }
        state.withLock { state in
            let sent = state.sentAt[envelopeId] ?? now
            state.acks.append(
                Ack(
                    envelopeId: envelopeId, payload: payload.map { Array($0) }, latency: sent.duration(to: now),
                    connection: connection))
        }
    }

    // MARK: Connections

    /// Connections that are open now.
    public var openConnections: Int { state.withLock { $0.links.values.filter(\.open).count } }

    /// Ids of the open connections, oldest first.
    public var openConnectionIds: [Int] { state.withLock { $0.links.filter(\.value.open).keys.sorted() } }

    /// The most connections that were open at one time (2 during a refresh that opened the new one first).
    public var peakOpenConnections: Int { state.withLock { $0.peakOpen } }

    /// Connections accepted so far (open or not).
    public var acceptedConnections: Int { state.withLock { $0.links.count } }

    /// Waits until `condition` holds for this server (polling), up to `timeout` seconds. - Returns: whether it held.
    @discardableResult
    public func waitUntil(timeout: Double = 10, _ condition: (FakeSocketModeServer) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(self)
    }

    /// Sends `disconnect` with `reason` (`refresh_requested`, `warning`, `link_disabled`) on a connection (the newest
    /// open one by default) and, like Slack, closes it `closeAfter` seconds later (never, when nil).
    public func disconnect(reason: String = "refresh_requested", connection: Int? = nil, closeAfter: Double? = nil) {
        guard let (id, link) = self.link(connection) else { return }
        link.send(#"{"type":"disconnect","reason":"\#(reason)","debug_info":{"host":"fake-socket-mode"}}"#)
        guard let closeAfter else { return }
        Task {
            try? await Task.sleep(for: .seconds(closeAfter))
            link.close()
            state.withLock { _ = $0.links[id]?.open = false }
        }
    }

    /// Ends a connection abruptly (the newest open one by default), as a lost network link would.
    public func drop(connection: Int? = nil) {
        guard let (id, link) = self.link(connection) else { return }
        link.drop()
        state.withLock { _ = $0.links[id]?.open = false }
    }

    private func link(_ id: Int?) -> (Int, WebSocketConnection)? {
        state.withLock { state in
            let chosen = id ?? state.links.filter(\.value.open).keys.max()
            guard let chosen, let link = state.links[chosen] else { return nil }
            return (chosen, link.connection)
        }
    }

    // MARK: Envelopes

    /// Sends an envelope and returns its `envelope_id`.
    /// - Parameters:
    ///   - type: `slash_commands`, `interactive` or `events_api`.
    ///   - payload: the payload object, as the HTTP request would carry it.
    ///   - envelopeId: reuse one to redeliver an envelope; a new id by default.
    ///   - retryAttempt: Slack's count of earlier deliveries.
    ///   - connection: which connection (the newest open one by default).
    @discardableResult
    public func send(
        type: String, payload: [String: Any], envelopeId: String? = nil, acceptsResponsePayload: Bool = false,
        retryAttempt: Int = 0, connection: Int? = nil
    ) -> String {
        let id =
            envelopeId
            ?? state.withLock { state in
                defer { state.nextEnvelope += 1 }
                return "env-\(state.nextEnvelope)-\(UUID().uuidString.prefix(8).lowercased())"
            }
        var envelope: [String: Any] = [
            "envelope_id": id, "type": type, "payload": payload, "accepts_response_payload": acceptsResponsePayload,
        ]
        if retryAttempt > 0 {
            envelope["retry_attempt"] = retryAttempt
            envelope["retry_reason"] = "timeout"
        }
        let bytes = (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys])).map { Array($0) }
        guard let bytes, let (_, link) = self.link(connection) else { return id }
        state.withLock { $0.sentAt[id] = ContinuousClock.now }
        link.send(bytes)
        return id
    }

    /// Sends a `slash_commands` envelope (its payload: the form fields as strings) and returns its id.
    @discardableResult
    public func sendSlashCommand(
        _ line: String, user: String = "U0ALICE", channel: String = "C0DEPLOYS", team: String = SlipwayHarness.teamId,
        responseURL: String, envelopeId: String? = nil, retryAttempt: Int = 0
    ) -> String {
        let command = String(line.prefix { $0 != " " })
        let text = String(line.dropFirst(command.count)).trimmingCharacters(in: .whitespaces)
        let payload: [String: Any] = [
            "token": "x", "team_id": team, "team_domain": "nortinia", "channel_id": channel,
            "channel_name": "deploys", "user_id": user, "user_name": user.lowercased(), "command": command,
            "text": text, "api_app_id": "A0SLIPWAY", "is_enterprise_install": "false", "response_url": responseURL,
            "trigger_id": "1.2.3",
        ]
        return send(
            type: "slash_commands", payload: payload, envelopeId: envelopeId, acceptsResponsePayload: true,
            retryAttempt: retryAttempt)
    }

    /// Sends an `interactive` envelope for a button click and returns its id.
    @discardableResult
    public func sendClick(actionId: String, value: String, user: String, responseURL: String) -> String {
        let payload: [String: Any] = [
            "type": "block_actions", "team": ["id": SlipwayHarness.teamId, "domain": "nortinia"],
            "user": ["id": user, "username": user.lowercased(), "name": user.lowercased()],
            "api_app_id": "A0SLIPWAY", "token": "x", "trigger_id": "trigger-\(UUID().uuidString)",
            "container": ["type": "message", "message_ts": "1.1", "channel_id": "C0DEPLOYS", "is_ephemeral": false],
            "channel": ["id": "C0DEPLOYS", "name": "deploys"], "response_url": responseURL,
            "actions": [
                ["action_id": actionId, "block_id": "b", "value": value, "type": "button", "action_ts": "1.2"]
            ],
        ]
        return send(type: "interactive", payload: payload)
    }

    /// Acknowledgements received so far, in arrival order.
    public var acks: [Ack] { state.withLock { $0.acks } }

    /// The acknowledgements of one envelope.
    public func acks(of envelopeId: String) -> [Ack] { acks.filter { $0.envelopeId == envelopeId } }

    /// Waits for the first acknowledgement of `envelopeId`.
    public func waitForAck(_ envelopeId: String, timeout: Double = 10) async -> Ack? {
        await waitUntil(timeout: timeout) { !$0.acks(of: envelopeId).isEmpty }
        return acks(of: envelopeId).first
    }

    /// Connections refused for an unknown or reused ticket.
    public var refusedConnections: Int { state.withLock { $0.refused } }

    /// Closes every connection and stops listening.
    public func shutdown() {
        acceptor.withLock { task in
            task?.cancel()
            task = nil
        }
        server.shutdown()
    }
}
