import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The part of the server that libmicrohttpd's threads call into: the handler, the body limit and the drain state.
/// The `HTTPServer` owns it and stops the daemon before letting it go, so callbacks can use it unretained.
final class ServerCore: Sendable {
    let handler: HTTPHandler
    let maxBodyBytes: Int
    /// Bodies beyond the limit are read and dropped up to this many extra bytes (to answer 413 on a chunked
    /// upload); past that the connection is closed without an answer.
    let discardAllowance: Int
    /// Set once when draining begins; read for every request.
    private let draining = Atomic<Bool>(false)
    /// Requests admitted and not yet completed.
    private let inFlight = Atomic<Int>(0)
    /// Messages libmicrohttpd logs while the daemon starts, to explain a failure; nil when not capturing.
    private let startupLog = Mutex<[String]?>(nil)

    /// Open connections and their deadlines for receiving a request.
    let deadlines: ConnectionDeadlines

    init(handler: @escaping HTTPHandler, maxBodyBytes: Int, requestDeadlineSeconds: Int = 0) {
        self.handler = handler
        self.deadlines = ConnectionDeadlines(seconds: requestDeadlineSeconds)
        self.maxBodyBytes = maxBodyBytes
        self.discardAllowance = max(maxBodyBytes, 1 << 20)
    }

    // MARK: Drain

    /// Counts a new request as in flight, unless the server is draining. Lock-free: it runs for every request.
    /// A request that counts itself just as draining begins sees the flag on its second look and backs out, so no
    /// request is admitted after `beginDrain` returns (the count may rise briefly for such a request, never for long).
    func admit() -> Bool {
        if draining.load(ordering: .sequentiallyConsistent) { return false }
        inFlight.add(1, ordering: .sequentiallyConsistent)
        if draining.load(ordering: .sequentiallyConsistent) {
            inFlight.subtract(1, ordering: .sequentiallyConsistent)
            return false
        }
        return true
    }

    func finish() { inFlight.subtract(1, ordering: .sequentiallyConsistent) }

    func beginDrain() { draining.store(true, ordering: .sequentiallyConsistent) }

    var isDraining: Bool { draining.load(ordering: .sequentiallyConsistent) }

    var inFlightCount: Int { inFlight.load(ordering: .sequentiallyConsistent) }

    // MARK: Start-up log

    func captureStartupLog() { startupLog.withLock { $0 = [] } }

    /// Stops capturing and returns what was logged.
    func takeStartupLog() -> [String] {
        startupLog.withLock { log in
            defer { log = nil }
            return log ?? []
        }
    }

    /// Records a libmicrohttpd message while the daemon starts; `message` is only evaluated then.
    func log(_ message: () -> String) {
        startupLog.withLock { log in
            if log != nil { log?.append(message()) }
        }
    }

    // MARK: Canned responses

    func tooLargeResponse() -> HTTPResponse {
        var response = ErrorBody.response(413, "request body too large (limit \(maxBodyBytes) bytes)")
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    static let drainingResponse: HTTPResponse = {
        var response = ErrorBody.response(503, "draining")
        response.headers.add(name: "Connection", value: "close")
        return response
    }()
}
