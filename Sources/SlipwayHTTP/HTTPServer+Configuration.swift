#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HTTPServer {
    /// Where and how the server listens.
    public struct Configuration: Sendable, Equatable {
        /// The address to bind, e.g. `127.0.0.1`, `0.0.0.0`, `::1` or a resolvable name.
        public var host: String
        /// The TCP port; 0 picks a free port (read it back from `HTTPServer.port` after `start()`).
        public var port: Int
        /// Largest accepted request body; larger ones get 413 without being buffered.
        public var maxBodyBytes: Int
        /// Idle connections (including slow uploads) are closed after this many seconds.
        public var connectionTimeoutSeconds: Int
        /// Worker threads. Each runs handlers for its own connections, so a slow handler delays only those.
        public var threadCount: Int
        /// Memory per connection for the request line, headers, body chunks and the response header. A request
        /// whose headers do not fit is answered 431 by libmicrohttpd. libmicrohttpd zeroes all of it between two
        /// requests on a keep-alive connection, so it is kept small: a Slack request's headers take about
        /// 1.5 KiB, and bodies are copied out chunk by chunk as they arrive.
        public var connectionMemoryBytes: Int
        /// Most connections open at once; 0 sizes it from the open-file limit
        /// (see ``OpenFileLimit/defaultConnectionLimit(openFiles:)``). Further connections wait in the listen queue.
        public var maxConnections: Int = 0
        /// Most connections open at once from one client address; 0 for no limit. Behind a reverse proxy every
        /// client shares the proxy's address.
        public var maxConnectionsPerClient: Int = 512
        /// Longest time a connection may take to deliver a whole request (headers and body), counted from its
        /// opening or from the previous response; 0 for no deadline. Unlike `connectionTimeoutSeconds`, a client
        /// trickling one byte at a time is closed too.
        public var requestDeadlineSeconds: Int = 30

        /// - Parameters:
        ///   - host: The address to bind.
        ///   - port: The TCP port, or 0 for any free port.
        ///   - maxBodyBytes: Largest accepted request body in bytes (default 1 MiB).
        ///   - connectionTimeoutSeconds: Idle timeout per connection (default 30).
        ///   - threadCount: Worker threads (default: active processors + 1, at least 2).
        ///   - connectionMemoryBytes: Memory per connection (default 8 KiB; at least 4 KiB).
        public init(
            host: String = "127.0.0.1", port: Int = 0, maxBodyBytes: Int = 1 << 20,
            connectionTimeoutSeconds: Int = 30, threadCount: Int = Configuration.defaultThreadCount,
            connectionMemoryBytes: Int = 8 << 10
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.threadCount = threadCount
            self.connectionMemoryBytes = connectionMemoryBytes
        }

        /// One more than the active processors, at least 2: a handler waiting for its store commit then does not
        /// leave a core idle (measured: webhooks 4,900/s → 5,240/s on two cores, ack throughput unchanged or better).
        public static var defaultThreadCount: Int { max(2, sysconf(Int32(_SC_NPROCESSORS_ONLN)) + 1) }

        func validate() throws(HTTPServerError) {
            guard (0...65535).contains(port) else {
                throw .invalidConfiguration("port \(port) is outside 0...65535")
            }
            guard maxBodyBytes >= 0 else {
                throw .invalidConfiguration("maxBodyBytes must not be negative (got \(maxBodyBytes))")
            }
            guard connectionTimeoutSeconds >= 0 else {
                throw .invalidConfiguration(
                    "connectionTimeoutSeconds must not be negative (got \(connectionTimeoutSeconds)); use 0 for none")
            }
            guard (1...1024).contains(threadCount) else {
                throw .invalidConfiguration("threadCount must be in 1...1024 (got \(threadCount))")
            }
            guard (0...1 << 20).contains(maxConnections) else {
                throw .invalidConfiguration("maxConnections must be in 0...1048576 (got \(maxConnections)); 0 sizes it")
            }
            guard maxConnectionsPerClient >= 0 else {
                throw .invalidConfiguration(
                    "maxConnectionsPerClient must not be negative (got \(maxConnectionsPerClient)); use 0 for none")
            }
            guard requestDeadlineSeconds >= 0 else {
                throw .invalidConfiguration(
                    "requestDeadlineSeconds must not be negative (got \(requestDeadlineSeconds)); use 0 for none")
            }
            guard (4 << 10...16 << 20).contains(connectionMemoryBytes) else {
                throw .invalidConfiguration(
                    "connectionMemoryBytes must be in 4096...16777216 (got \(connectionMemoryBytes))")
            }
        }
    }
}
