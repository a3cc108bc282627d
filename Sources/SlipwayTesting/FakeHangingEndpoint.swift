import Foundation
import SlipwayHTTP
import Synchronization

/// A destination that accepts connections and never answers until released: a `response_url` host (or any HTTP
/// endpoint) that hangs. Serves real HTTP on loopback; every request holds one of its threads until ``release()``
/// (or `maxHold` seconds), then gets 200.
public final class FakeHangingEndpoint: Sendable {
    private let server: FakeServer
    private let state = Mutex(State())
    private let maxHold: Double

    private struct State {
        var released = false
        var received = 0
        var answered = 0
    }

    /// - Parameters:
    ///   - threads: Requests it can hold at once.
    ///   - maxHold: Seconds a request is held at most, so a test that forgets to release still ends.
    public init(threads: Int = 8, maxHold: Double = 30) throws {
        server = FakeServer(threadCount: threads)
        self.maxHold = maxHold
        try server.start(serving: self) { fake, _ in fake.hold() }
    }

    public func stop() {
        release()
        server.stop()
    }

    /// A URL on this endpoint.
    public func url(_ id: String) -> String { "http://127.0.0.1:\(server.port)/hang/\(id)" }

    /// Requests received so far.
    public var receivedCount: Int { state.withLock { $0.received } }

    /// Requests answered so far (none until released).
    public var answeredCount: Int { state.withLock { $0.answered } }

    /// Answers the held requests and every later one at once.
    public func release() { state.withLock { $0.released = true } }

    private func hold() -> HTTPResponse {
        state.withLock { $0.received += 1 }
        let start = Date()
        while !state.withLock({ $0.released }) && Date().timeIntervalSince(start) < maxHold {
            Thread.sleep(forTimeInterval: 0.02)
        }
        state.withLock { $0.answered += 1 }
        return .json(200, #"{"ok":true}"#)
    }
}
