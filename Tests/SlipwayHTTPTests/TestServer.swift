import Foundation
import SlipwayHTTP
import Synchronization

/// Starts a server on a free loopback port for the duration of `body`, then stops it.
func withServer<T>(
    maxBodyBytes: Int = 1 << 20, threadCount: Int = 2, handler: @escaping HTTPHandler,
    _ body: (HTTPServer, _ baseURL: String) async throws -> T
) async throws -> T {
    let server = HTTPServer(
        configuration: .init(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, threadCount: threadCount),
        handler: handler)
    try server.start()
    defer { server.stop() }
    return try await body(server, "http://127.0.0.1:\(server.port)")
}

/// Polls `condition` every 5 ms for up to `timeout` seconds, without holding a cooperative thread.
func waitUntil(timeout: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline { return false }
        try? await Task.sleep(nanoseconds: 5_000_000)
    }
    return true
}

/// Work started on its own thread (not the cooperative pool, which blocking tests may fill), awaited later.
final class Pending<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<Value, any Error>?>(nil)

    init(_ body: @escaping @Sendable () throws -> Value) {
        Thread.detachNewThread {
            let outcome = Result { try body() }
            self.result.withLock { $0 = outcome }
            self.done.signal()
        }
    }

    /// Waits up to `timeout` seconds for the result.
    func value(timeout: Double = 10) throws -> Value {
        guard done.wait(timeout: .now() + timeout) == .success, let result = result.withLock({ $0 }) else {
            throw CancellationError()
        }
        return try result.get()
    }
}
