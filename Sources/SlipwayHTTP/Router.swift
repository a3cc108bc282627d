#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Routes requests by method and exact path.
///
/// ```swift
/// var router = Router()
/// router.add(.post, "/slack/commands") { request in .json(200, #"{"ok":true}"#) }
/// router.onResponse = { route, status in metrics.count(route: route, status: status) }
/// let server = HTTPServer(configuration: configuration, handler: router.handler)
/// ```
///
/// Unknown paths get 404 `{"error":"no route for /x"}`; a known path with another method gets 405 with an `Allow`
/// header. HEAD is answered by the GET route when no HEAD route is registered (the server sends no body).
public struct Router: Sendable {
    /// A method's handler on one path.
    private struct Route: Sendable {
        var method: HTTPMethod
        var handler: HTTPHandler
    }

    /// The route name reported to `onResponse` for requests that match no path.
    public static let unmatchedRoute = "unmatched"

    /// Paths with their methods' handlers, in registration order. A service has a handful of paths, and comparing
    /// short strings is cheaper than hashing the path of every request.
    private var routes: [(path: String, methods: [Route])] = []

    /// Called after each response with the registered path (or `Router.unmatchedRoute`) and the status,
    /// e.g. to count requests per route for metrics. Runs on the server's worker threads; keep it fast.
    public var onResponse: (@Sendable (_ route: String, _ status: Int) -> Void)?

    /// Like `onResponse`, with the time the route took to answer (from the complete request to its response, in
    /// nanoseconds of the monotonic clock), e.g. for a latency histogram. Runs on the worker threads; keep it fast.
    public var onTimedResponse: (@Sendable (_ route: String, _ status: Int, _ nanoseconds: UInt64) -> Void)?

    public init() {}

    /// The registered paths, in registration order.
    public var paths: [String] { routes.map(\.path) }

    /// Registers `handler` for `method` on the exact `path`; a later registration of the same pair replaces it.
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - path: The exact path, without query string, e.g. `/slack/commands`.
    ///   - handler: Answers matching requests.
    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping HTTPHandler) {
        guard let pathIndex = routes.firstIndex(where: { $0.path == path }) else {
            routes.append((path: path, methods: [Route(method: method, handler: handler)]))
            return
        }
        if let index = routes[pathIndex].methods.firstIndex(where: { $0.method == method }) {
            routes[pathIndex].methods[index].handler = handler
        } else {
            routes[pathIndex].methods.append(Route(method: method, handler: handler))
        }
    }

    /// Answers a request with the matching route (routes added later are not seen by an earlier `handler`).
    /// - Parameter request: The request to route.
    /// - Returns: The route's response, or 404 / 405.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        guard let onTimedResponse else {
            let (route, response) = dispatch(request)
            onResponse?(route, response.status)
            return response
        }
        let start = Self.monotonicNanoseconds()
        let (route, response) = dispatch(request)
        let elapsed = Self.monotonicNanoseconds() &- start
        onResponse?(route, response.status)
        onTimedResponse(route, response.status, elapsed)
        return response
    }

    /// `CLOCK_MONOTONIC` in nanoseconds: a vDSO call, no system call.
    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// The router as a server handler, capturing the routes registered so far.
    public var handler: HTTPHandler {
        let router = self
        return { request in router.respond(to: request) }
    }

    private func dispatch(_ request: HTTPRequest) -> (route: String, response: HTTPResponse) {
        guard let methods = routes.first(where: { $0.path == request.path })?.methods else {
            return (Self.unmatchedRoute, ErrorBody.response(404, "no route for \(request.path)"))
        }
        if let route = methods.first(where: { $0.method == request.method }) {
            return (request.path, route.handler(request))
        }
        if request.method == .head, let route = methods.first(where: { $0.method == .get }) {
            return (request.path, route.handler(request))
        }
        var allowed = methods.map(\.method.rawValue)
        if allowed.contains("GET") && !allowed.contains("HEAD") { allowed.append("HEAD") }
        let suggestion = methods.map(\.method.rawValue).joined(separator: " or ")
        var response = ErrorBody.response(
            405, "method \(request.method.rawValue) not allowed on \(request.path); use \(suggestion)")
        response.headers.add(name: "Allow", value: allowed.joined(separator: ", "))
        return (request.path, response)
    }
}
