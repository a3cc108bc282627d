/// Opens client WebSockets (`wss://` over libwebsockets' OpenSSL, verified against the system's CA store; `ws://`
/// for tests), all serviced by one thread of its own.
public final class WebSocketClient: Sendable {
    let loop: WebSocketLoop

    /// Starts the service thread.
    /// - Throws: `WebSocketError` when libwebsockets cannot start.
    public init() throws(WebSocketError) {
        loop = try WebSocketLoop(listen: nil, onAccept: nil)
    }

    deinit {
        loop.shutdown()
    }

    /// Starts connecting to `url`; the connection's `events` say when it opens or why it failed.
    /// - Throws: `WebSocketError` for a URL that is not `ws://` or `wss://` with a host.
    public func connect(to url: String) throws(WebSocketError) -> WebSocketConnection {
        loop.connect(try WebSocketURL(url))
    }

    /// Closes every connection and stops the thread.
    public func shutdown() {
        loop.shutdown()
    }
}
