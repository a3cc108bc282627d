import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP/1.1 server on libmicrohttpd: a pool of worker threads with poll, keep-alive, a request body limit,
/// and graceful draining.
///
/// Handlers run on the worker threads. Each thread serves its own connections, so a slow handler delays only the
/// connections of its thread; new connections go to the threads that are free.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(host: "0.0.0.0", port: 8080), handler: router.handler)
/// try server.start()
/// // on SIGTERM:
/// server.beginDrain()
/// _ = server.drain(timeout: 10)
/// server.stop()
/// ```
public final class HTTPServer: Sendable {
    /// The configuration the server was created with (`port` may be 0; see `port` for the bound one).
    public let configuration: Configuration
    private let core: ServerCore
    /// The running daemon; created and released under the lock, never handed out.
    private let daemon = Mutex<MHDDaemon?>(nil)

    /// Creates a server; nothing listens until `start()`.
    /// - Parameters:
    ///   - configuration: Address, limits and threads.
    ///   - handler: Answers every admitted request (typically `Router.handler`).
    public init(configuration: Configuration, handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.core = ServerCore(
            handler: handler, maxBodyBytes: configuration.maxBodyBytes,
            requestDeadlineSeconds: configuration.requestDeadlineSeconds)
    }

    deinit { stop() }

    /// Binds the configured address and starts serving.
    /// - Throws: `HTTPServerError`, e.g. "cannot listen on 127.0.0.1:8080: address already in use".
    public func start() throws(HTTPServerError) {
        try configuration.validate()
        let address = try ListenAddress(host: configuration.host, port: configuration.port)
        try daemon.withLock { (daemon: inout sending MHDDaemon?) throws(HTTPServerError) in
            guard daemon == nil else { throw .alreadyStarted }
            // poll, not epoll: with epoll and a thread pool, libmicrohttpd 0.9.75 (Debian 12) sometimes builds a
            // response header for a connection whose response is gone (NULL dereference in a worker thread), seen
            // about one run in ten of CurlHTTPClientTests (a timed-out slow request, then a TLS handshake on this
            // plain-HTTP port); 55 runs with poll never crashed, and ack throughput is the same.
            var flags = SLIPWAY_MHD_USE_POLL_INTERNAL_THREAD | SLIPWAY_MHD_USE_ERROR_LOG
            if address.isIPv6 { flags |= SLIPWAY_MHD_USE_IPV6 }
            let openFiles = OpenFileLimit.raiseToHardLimit()
            let connectionLimit =
                configuration.maxConnections > 0
                ? configuration.maxConnections : OpenFileLimit.defaultConnectionLimit(openFiles: openFiles)
            let context = Unmanaged.passUnretained(core).toOpaque()
            core.captureStartupLog()
            errno = 0
            let handle = address.withSockaddr { sockaddr in
                slipway_mhd_start_daemon(
                    flags, sockaddr, UInt32(configuration.threadCount), UInt32(configuration.connectionTimeoutSeconds),
                    configuration.connectionMemoryBytes,
                    UInt32(clamping: connectionLimit), UInt32(clamping: configuration.maxConnectionsPerClient),
                    slipwayMHDNotifyConnection, context,
                    slipwayMHDLog, context,
                    slipwayMHDURILog, context,
                    slipwayMHDRequestCompleted, context,
                    slipwayMHDAccess, context)
            }
            let failure = errno
            let log = core.takeStartupLog()
            guard let handle else {
                throw .listenFailed(
                    address: ListenAddress.display(host: configuration.host, port: configuration.port),
                    reason: Self.reason(errno: failure, log: log))
            }
            daemon = MHDDaemon(handle: handle)
            core.deadlines.startSweeping()
        }
    }

    /// The bound port once started (the real one when 0 was configured); the configured port before that.
    public var port: Int { daemon.withLock { $0?.port } ?? configuration.port }

    /// Whether the server is listening.
    public var isRunning: Bool { daemon.withLock { $0 != nil } }

    /// Connections open now.
    public var openConnectionCount: Int { core.deadlines.openCount }

    /// Connections closed so far because their request did not arrive within `requestDeadlineSeconds`.
    public var deadlineClosedCount: Int { core.deadlines.closedForDeadline }

    /// Whether `beginDrain()` was called.
    public var isDraining: Bool { core.isDraining }

    /// Requests admitted and not yet completed (their response not yet sent).
    public var inFlightCount: Int { core.inFlightCount }

    /// Refuses every request that arrives from now on with 503 `{"error":"draining"}` and `Connection: close`.
    /// Requests already admitted run to completion; their responses also close the connection.
    public func beginDrain() { core.beginDrain() }

    /// Begins draining if needed, then waits until no request is in flight.
    /// - Parameter timeout: Longest wait in seconds.
    /// - Returns: true when every in-flight request completed, false on timeout.
    public func drain(timeout: Double) -> Bool {
        core.beginDrain()
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + max(0, timeout)
        while core.inFlightCount > 0 {
            clock_gettime(CLOCK_MONOTONIC, &now)
            if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= deadline { return false }
            usleep(2_000)
        }
        return true
    }

    /// Stops listening, closes every connection and waits for the worker threads (and any running handler) to
    /// finish. Safe to call more than once. Must not be called from a handler.
    public func stop() {
        let running = daemon.withLock { daemon in
            defer { daemon = nil }
            return daemon
        }
        core.deadlines.stopSweeping()
        // Released outside the lock: stopping joins the worker threads.
        withExtendedLifetime(running) {}
    }

    private static func reason(errno failure: Int32, log: [String]) -> String {
        if failure != 0, let text = strerror(failure) {
            var reason = String(cString: text)
            if let first = reason.first, first.isUppercase, reason.dropFirst().first?.isLowercase ?? true {
                reason = first.lowercased() + reason.dropFirst()
            }
            return reason
        }
        return log.last ?? "libmicrohttpd could not start the daemon"
    }
}
