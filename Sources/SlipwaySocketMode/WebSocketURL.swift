import Foundation

/// A `ws://` or `wss://` URL split the way libwebsockets takes it. Never logged whole: Slack's Socket Mode URL
/// carries a ticket.
struct WebSocketURL: Sendable, Equatable {
    var usesTLS: Bool
    var host: String
    var port: Int
    /// Path and query, e.g. `/link/?ticket=…`.
    var path: String

    init(_ string: String) throws(WebSocketError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased() else {
            throw .badURL("not a URL")
        }
        switch scheme {
        case "wss": usesTLS = true
        case "ws": usesTLS = false
        default: throw .badURL("scheme \(scheme):// is not ws:// or wss://")
        }
        guard let host = components.host, !host.isEmpty else { throw .badURL("the URL has no host") }
        self.host = host
        port = components.port ?? (usesTLS ? 443 : 80)
        let base = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        path = components.percentEncodedQuery.map { base + "?" + $0 } ?? base
    }

    /// The `Host` header value.
    var hostHeader: String { port == (usesTLS ? 443 : 80) ? host : "\(host):\(port)" }
}
