/// A WebSocket could not be set up: a URL Slipway cannot connect to, or libwebsockets refusing to start.
public struct WebSocketError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case badURL(String)
        case contextFailed(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The URL is not a `ws://` or `wss://` URL with a host.
    static func badURL(_ reason: String) -> WebSocketError { WebSocketError(.badURL(reason)) }
    /// libwebsockets could not create its context (e.g. the listening port is taken).
    static func contextFailed(_ reason: String) -> WebSocketError { WebSocketError(.contextFailed(reason)) }

    public var description: String {
        switch code {
        case .badURL(let reason): "cannot open a WebSocket: \(reason)"
        case .contextFailed(let reason): "libwebsockets could not start: \(reason)"
        }
    }
}
