import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One open connection, as the deadline sweeper sees it. Created when libmicrohttpd accepts the connection and kept
/// in its socket context until it closes.
final class ConnectionRecord: Sendable {
    /// The connection's socket; valid while the record is in `ConnectionDeadlines` (libmicrohttpd reports the close
    /// before it closes the socket).
    let socket: Int32
    /// Monotonic nanoseconds by which the current request must have arrived completely; 0 while none is awaited
    /// (the handler runs or the response is being sent).
    let deadline: Atomic<Int64>

    init(socket: Int32, deadline: Int64) {
        self.socket = socket
        self.deadline = Atomic(deadline)
    }
}

/// Closes connections that take longer than the deadline to deliver a whole request (headers and body).
///
/// libmicrohttpd's connection timeout counts silence only, so a client sending one byte a second keeps a connection
/// (and its memory) forever. Here each connection gets a deadline when it opens and again when a response has
/// been sent (the next request on a keep-alive connection); the deadline is lifted once the request is complete.
/// A sweeper thread shuts down the sockets of overdue connections; libmicrohttpd's worker then sees the end of the
/// stream and closes the connection as if the client had gone away.
final class ConnectionDeadlines: Sendable {
    /// The deadline in nanoseconds; 0 turns it off.
    let limit: Int64
    private let open = Mutex<[ObjectIdentifier: ConnectionRecord]>([:])
    private let overdueClosed = Atomic<Int>(0)
    private let running = Atomic<Bool>(false)

    /// - Parameter seconds: The longest time a request may take to arrive; 0 for no deadline.
    init(seconds: Int) {
        self.limit = Int64(max(0, seconds)) * 1_000_000_000
    }

    /// Connections open now.
    var openCount: Int { open.withLock { $0.count } }

    /// Connections closed because their request did not arrive in time.
    var closedForDeadline: Int { overdueClosed.load(ordering: .relaxed) }

    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    // MARK: Called by libmicrohttpd's worker threads

    func opened(socket: Int32) -> ConnectionRecord {
        let record = ConnectionRecord(socket: socket, deadline: limit == 0 ? 0 : Self.now() + limit)
        open.withLock { $0[ObjectIdentifier(record)] = record }
        return record
    }

    func closed(_ record: ConnectionRecord) {
        _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(record)) }
    }

    /// A response was sent: the next request on this connection has the full deadline again.
    func awaitNextRequest(_ record: ConnectionRecord) {
        guard limit != 0 else { return }
        record.deadline.store(Self.now() + limit, ordering: .relaxed)
    }

    /// The request arrived completely (or was answered early): no deadline until its response has been sent.
    func requestReceived(_ record: ConnectionRecord) {
        record.deadline.store(0, ordering: .relaxed)
    }

    // MARK: Sweeping

    /// Shuts down the sockets of connections past their deadline. - Returns: how many.
    @discardableResult
    func sweep(now: Int64 = ConnectionDeadlines.now()) -> Int {
        // Under the lock: a record leaves the table before libmicrohttpd closes its socket, so the descriptor shut
        // down here is still this connection's and not a reused number.
        let closed = open.withLock { open in
            var closed = 0
            for record in open.values {
                let deadline = record.deadline.load(ordering: .relaxed)
                guard deadline != 0, deadline < now else { continue }
                record.deadline.store(0, ordering: .relaxed)
                shutdown(record.socket, Int32(SHUT_RDWR))
                closed += 1
            }
            return closed
        }
        if closed > 0 { overdueClosed.add(closed, ordering: .relaxed) }
        return closed
    }

    /// Starts the sweeper thread (a no-op without a deadline); it checks four times per deadline, at least every
    /// second, until `stopSweeping()`.
    func startSweeping() {
        guard limit != 0, !running.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let interval = UInt32(min(1_000_000, max(10_000, limit / 4_000)))
        let thread = SweeperThread { [self] in
            while running.load(ordering: .relaxed) {
                usleep(interval)
                sweep()
            }
        }
        thread.start()
    }

    func stopSweeping() { running.store(false, ordering: .sequentiallyConsistent) }
}

/// A detached POSIX thread running one closure.
private final class SweeperThread: Sendable {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { context in
                let sweeper = Unmanaged<SweeperThread>.fromOpaque(context!).takeRetainedValue()
                sweeper.body()
                return nil
            }, context)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<SweeperThread>.fromOpaque(context).release()
        }
    }
}
