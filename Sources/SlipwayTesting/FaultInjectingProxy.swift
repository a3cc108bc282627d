import Foundation
import SlipwayHTTP
import Synchronization

/// An HTTP proxy on loopback that stands between Slipway and one of the fakes and answers scripted requests with a
/// fault instead of forwarding them: a 429 with `Retry-After`, a 5xx, or no answer until the client gives up.
/// Requests without a scripted fault are forwarded to the fake unchanged, and its answer is passed back.
///
/// ```swift
/// let proxy = try FaultInjectingProxy(upstream: slack.baseURL)  // configure Slipway with proxy.baseURL
/// proxy.script(path: "/chat.postMessage", [.rateLimit(retryAfter: 1), .serverError, .hang(seconds: 12)])
/// ```
public final class FaultInjectingProxy: Sendable {
    /// What to do with one request instead of forwarding it.
    public enum Fault: Sendable, Equatable {
        /// HTTP 429 `{"ok":false,"error":"ratelimited"}` with `Retry-After: seconds`.
        case rateLimit(retryAfter: Int)
        /// HTTP 500.
        case serverError
        /// HTTP 503.
        case unavailable
        /// Holds the request without forwarding it for `seconds` (longer than the client's timeout: a timeout in
        /// which the upstream never saw the request), then answers 504.
        case hang(seconds: Double)
    }

    /// One request that reached the proxy.
    public struct Exchange: Sendable {
        /// The path below the proxy's base URL (`/chat.postMessage`).
        public let path: String
        public let receivedAt: Date
        /// The fault answered, or nil when the request was forwarded.
        public let fault: Fault?
    }

    private let upstream: Mutex<String?>
    private let server: FakeServer
    private let client = CurlHTTPClient()
    private let state = Mutex(State())

    private struct State {
        var scripts: [String: [Fault]] = [:]
        var exchanges: [Exchange] = []
    }

    /// Starts the proxy on a free loopback port.
    /// - Parameters:
    ///   - upstream: The base URL requests are forwarded to (`http://127.0.0.1:1234/api`); nil to set it later
    ///     with ``setUpstream(_:)`` (until then forwarded requests get 502).
    ///   - threadCount: HTTP threads; each hanging request holds one.
    /// - Throws: `HTTPServerError` when it cannot listen.
    public init(upstream: String?, threadCount: Int = 8) throws {
        self.upstream = Mutex(upstream)
        server = FakeServer(threadCount: threadCount)
        try server.start(serving: self) { proxy, request in proxy.handle(request) }
    }

    /// Stops listening.
    public func stop() { server.stop() }

    /// The base URL to configure in place of the upstream's.
    public var baseURL: String { server.baseURL }

    /// Sets the base URL requests are forwarded to.
    public func setUpstream(_ url: String) { upstream.withLock { $0 = url } }

    /// Queues faults for the next requests to `path` (one fault per request, in order).
    public func script(path: String, _ faults: [Fault]) {
        state.withLock { s in s.scripts[path, default: []] += faults }
    }

    /// Faults not yet answered for `path`.
    public func remainingFaults(path: String) -> Int { state.withLock { $0.scripts[path]?.count ?? 0 } }

    /// Every request so far, oldest first; only those to `path` when given.
    public func exchanges(path: String? = nil) -> [Exchange] {
        state.withLock { s in path.map { p in s.exchanges.filter { $0.path == p } } ?? s.exchanges }
    }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let fault: Fault? = state.withLock { s in
            var next: Fault?
            if var queue = s.scripts[request.path], !queue.isEmpty {
                next = queue.removeFirst()
                s.scripts[request.path] = queue
            }
            s.exchanges.append(Exchange(path: request.path, receivedAt: Date(), fault: next))
            return next
        }
        switch fault {
        case .rateLimit(let seconds)?:
            var response = HTTPResponse.json(429, #"{"ok":false,"error":"ratelimited"}"#)
            response.headers.add(name: "Retry-After", value: String(seconds))
            return response
        case .serverError?:
            return .text(500, "Internal Server Error")
        case .unavailable?:
            return .text(503, "Service Unavailable")
        case .hang(let seconds)?:
            Thread.sleep(forTimeInterval: seconds)
            return .text(504, "Gateway Timeout")
        case nil:
            return forward(request)
        }
    }

    private func forward(_ request: HTTPRequest) -> HTTPResponse {
        let headers = HTTPHeaders(
            request.headers.filter { !["host", "content-length"].contains($0.name.lowercased()) })
        guard let base = upstream.withLock({ $0 }) else { return .text(502, "proxy: no upstream yet") }
        let url = base + request.path + (request.query.isEmpty ? "" : "?" + request.query)
        do {
            let answer = try client.send(
                HTTPClientRequest(
                    method: request.method, url: url, headers: headers, body: request.body, timeout: 30))
            // Only the headers that describe the content: the proxy's own server frames the response.
            let kept = HTTPHeaders(
                answer.headers.filter { ["content-type", "retry-after"].contains($0.name.lowercased()) })
            return HTTPResponse(status: answer.status, headers: kept, body: answer.body)
        } catch {
            return .text(502, "proxy: upstream failed: \(error)")
        }
    }
}
