/// A small WebSocket server (plain `ws://`, for the test fakes): accepts connections on a loopback port and hands
/// each one out through ``connections``.
public final class WebSocketServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// Accepted connections, in order.
    public let connections: AsyncStream<WebSocketConnection>
    let loop: WebSocketLoop
    private let continuation: AsyncStream<WebSocketConnection>.Continuation

    /// Listens on `host`, on `port` (0: any free port).
    /// - Parameter tls: PEM certificate and private key files to serve `wss://` with; nil for `ws://`.
    /// - Throws: `WebSocketError` when the port cannot be bound or the certificate not loaded.
    public init(
        host: String = "127.0.0.1", port: Int = 0, tls: (certificateFile: String, privateKeyFile: String)? = nil
    ) throws(WebSocketError) {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        self.connections = connections
        self.continuation = continuation
        loop = try WebSocketLoop(
            listen: (host, port),
            files: .init(certificateFile: tls?.certificateFile, privateKeyFile: tls?.privateKeyFile),
            onAccept: { continuation.yield($0) })
        guard let bound = loop.listenPort else {
            loop.shutdown()
            throw .contextFailed("no listening port on \(host)")
        }
        self.port = bound
    }

    deinit {
        shutdown()
    }

    /// Closes every connection, stops listening and stops the thread.
    public func shutdown() {
        loop.shutdown()
        continuation.finish()
    }
}
