import Foundation
import SlipwayHTTP
import Synchronization

/// The loopback HTTP server every fake stands on: real HTTP on 127.0.0.1 at a free port, every exchange recorded,
/// stopped by its fake (or when the fake goes away).
///
/// ```swift
/// let server = FakeServer()
/// // … initialize the fake's other properties …
/// try server.start(serving: self) { fake, request in fake.handle(request) }
/// ```
///
/// The server holds its fake weakly: the fake owns the server, so dropping the fake stops it.
public final class FakeServer: Sendable {
    /// One request and what the fake answered.
    public struct Exchange: Sendable {
        public let request: HTTPRequest
        /// The HTTP status answered.
        public let status: Int
        /// Bytes of the response body.
        public let responseBytes: Int
    }

    private let threadCount: Int
    /// Created by `start`, with the handler it keeps for good: no lock between a request and its fake.
    private let server = Mutex<HTTPServer?>(nil)
    private let log = ExchangeLog()

    /// The exchanges, shared with the HTTP threads.
    private final class ExchangeLog: Sendable {
        let exchanges = Mutex<[Exchange]>([])
    }

    /// A weak reference the HTTP threads can hold.
    private final class WeakFake<Fake: AnyObject & Sendable>: Sendable {
        weak let fake: Fake?
        init(_ fake: Fake) { self.fake = fake }
    }

    /// Creates the server; nothing listens until `start(serving:_:)`.
    /// - Parameter threadCount: HTTP worker threads.
    public init(threadCount: Int = 2) {
        self.threadCount = threadCount
    }

    deinit { stop() }

    /// Starts listening; each request goes to `handle` with the fake, or gets 503 once the fake is gone.
    /// - Throws: `HTTPServerError` when it cannot listen.
    public func start<Fake: AnyObject & Sendable>(
        serving fake: Fake, _ handle: @escaping @Sendable (Fake, HTTPRequest) -> HTTPResponse
    ) throws {
        let reference = WeakFake(fake)
        let log = self.log
        let http = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threadCount: threadCount)) {
            request in
            let response = reference.fake.map { handle($0, request) } ?? .text(503, "stopped")
            let exchange = Exchange(request: request, status: response.status, responseBytes: response.body.count)
            log.exchanges.withLock { $0.append(exchange) }
            return response
        }
        try http.start()
        server.withLock { $0 = http }
    }

    /// Stops listening; later requests are refused.
    public func stop() { server.withLock { $0 }?.stop() }

    /// The bound port (0 before `start`).
    public var port: Int { server.withLock { $0?.port } ?? 0 }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every exchange so far, oldest first.
    public var exchanges: [Exchange] { log.exchanges.withLock { $0 } }

    /// How many requests were answered.
    public var requestCount: Int { log.exchanges.withLock { $0.count } }

    /// Response body bytes sent in all.
    public var bytesSent: Int { log.exchanges.withLock { $0.reduce(0) { $0 + $1.responseBytes } } }

    /// Forgets the recorded exchanges.
    public func forgetExchanges() { log.exchanges.withLock { $0.removeAll() } }
}
