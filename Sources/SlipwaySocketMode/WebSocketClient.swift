/// Opens client WebSockets (`wss://` over libwebsockets' OpenSSL, verified against the system's CA store; `ws://`
/// for tests), all serviced by one thread of its own.
public final class WebSocketClient: Sendable {
    let loop: WebSocketLoop

    /// Starts the service thread.
    /// - Parameter caFile: a PEM bundle of the CAs to trust for `wss://` instead of the system's (a TLS-inspecting
    ///   proxy's, or a test's); nil for the system's CA store.
    /// - Throws: `WebSocketError` when libwebsockets cannot start (e.g. an unreadable `caFile`).
    public init(caFile: String? = nil) throws(WebSocketError) {
        loop = try WebSocketLoop(listen: nil, files: .init(caFile: caFile), onAccept: nil)
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
