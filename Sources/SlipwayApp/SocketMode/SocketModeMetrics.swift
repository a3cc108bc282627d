import Synchronization

/// Socket Mode's Prometheus metrics, per replica (each holds its own connections): connections by state,
/// reconnects by reason, envelopes by type and redeliveries.
public final class SocketModeMetrics: Sendable {
    private struct Counts {
        var connecting = 0
        var open = 0
        var reconnects: [String: Int] = [:]
        var connectFailures = 0
        var envelopes: [String: Int] = [:]
        var redeliveries = 0
    }

    private let counts = Mutex(Counts())

    public init() {}

    func connecting(_ delta: Int) { counts.withLock { $0.connecting += delta } }
    func open(_ delta: Int) { counts.withLock { $0.open += delta } }
    /// A new connection was opened because of `reason` (`refresh_requested`, `warning`, `link_disabled`, `lost`).
    func reconnect(reason: String) { counts.withLock { $0.reconnects[reason, default: 0] += 1 } }
    func connectFailed() { counts.withLock { $0.connectFailures += 1 } }
    func envelope(type: String) { counts.withLock { $0.envelopes[type, default: 0] += 1 } }
    func redelivered() { counts.withLock { $0.redeliveries += 1 } }

    /// Connections that said hello and have not closed.
    public var openConnections: Int { counts.withLock { $0.open } }

    /// Reconnects so far for `reason`.
    public func reconnects(reason: String) -> Int { counts.withLock { $0.reconnects[reason] ?? 0 } }

    /// Envelopes delivered again and acknowledged without being handled again.
    public var redeliveries: Int { counts.withLock { $0.redeliveries } }

    /// The Prometheus text.
    public var metricsText: String {
        let counts = self.counts.withLock { $0 }
        var out = "# HELP slipway_socket_mode_connections Socket Mode connections of this replica, by state.\n"
        out += "# TYPE slipway_socket_mode_connections gauge\n"
        out += "slipway_socket_mode_connections{state=\"connecting\"} \(counts.connecting)\n"
        out += "slipway_socket_mode_connections{state=\"open\"} \(counts.open)\n"
        out +=
            "# HELP slipway_socket_mode_reconnects_total New Socket Mode connections opened to replace one, by reason "
        out += "(refresh_requested, warning, link_disabled: Slack's disconnect; lost: the connection dropped).\n"
        out += "# TYPE slipway_socket_mode_reconnects_total counter\n"
        for reason in ["refresh_requested", "warning", "link_disabled", "lost"] {
            out += "slipway_socket_mode_reconnects_total{reason=\"\(reason)\"} \(counts.reconnects[reason] ?? 0)\n"
        }
        out +=
            "# HELP slipway_socket_mode_connect_failures_total Attempts to open a Socket Mode connection that failed.\n"
        out += "# TYPE slipway_socket_mode_connect_failures_total counter\n"
        out += "slipway_socket_mode_connect_failures_total \(counts.connectFailures)\n"
        out += "# HELP slipway_socket_mode_envelopes_total Envelopes received over Socket Mode, by type.\n"
        out += "# TYPE slipway_socket_mode_envelopes_total counter\n"
        for type in counts.envelopes.keys.sorted() {
            out += "slipway_socket_mode_envelopes_total{type=\"\(Metrics.label(type))\"} \(counts.envelopes[type]!)\n"
        }
        out += "# HELP slipway_socket_mode_redeliveries_total Envelopes Slack delivered again, acknowledged without "
        out += "handling them twice.\n"
        out += "# TYPE slipway_socket_mode_redeliveries_total counter\n"
        out += "slipway_socket_mode_redeliveries_total \(counts.redeliveries)\n"
        return out
    }
}
