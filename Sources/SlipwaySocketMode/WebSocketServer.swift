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
    /// - Throws: `WebSocketError` when the port cannot be bound.
    public init(host: String = "127.0.0.1", port: Int = 0) throws(WebSocketError) {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        self.connections = connections
        self.continuation = continuation
        loop = try WebSocketLoop(listen: (host, port), onAccept: { continuation.yield($0) })
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
