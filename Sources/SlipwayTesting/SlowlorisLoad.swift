import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Connection-exhaustion load against a loopback server: slow clients that send a request's headers one byte a
/// second (slowloris), and idle keep-alive clients that sent one request and then nothing. Bounded: it opens the
/// connections asked for once, trickles until `stop()`, and only ever talks to a loopback address.
public final class SlowlorisLoad: Sendable {
    private let slowSockets: [Int32]
    private let idleSockets: [Int32]
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    /// Opens the connections and starts trickling.
    /// - Parameters:
    ///   - port: The server's port on `host`.
    ///   - host: A loopback IPv4 address, e.g. `127.0.0.1`.
    ///   - slow: Connections that send headers one byte per second and never finish them.
    ///   - idle: Connections that send one complete request and then stay open, silent.
    ///   - path: The request path (a POST for the slow ones, a GET for the idle ones).
    public init(port: Int, host: String = "127.0.0.1", slow: Int, idle: Int, path: String = "/healthz") throws {
        precondition(host.hasPrefix("127."), "load goes to loopback only")
        OpenFileLimitForTests.raise()
        var slowSockets: [Int32] = []
        var idleSockets: [Int32] = []
        let start = Array("POST \(path) HTTP/1.1\r\nHost: slipway\r\nContent-Type: text/plain\r\nX-Slow: ".utf8)
        let idleRequest = Array("GET \(path) HTTP/1.1\r\nHost: slipway\r\n\r\n".utf8)
        for _ in 0..<slow {
            guard let fd = try? LoopbackSocket.connect(to: host, port: port) else { continue }
            _ = start.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            slowSockets.append(fd)
        }
        for _ in 0..<idle {
            guard let fd = try? LoopbackSocket.connect(to: host, port: port) else { continue }
            _ = idleRequest.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            idleSockets.append(fd)
        }
        self.slowSockets = slowSockets
        self.idleSockets = idleSockets
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                for fd in self.slowSockets {
                    var byte = UInt8(ascii: "a")
                    _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                for _ in 0..<10 where running.load(ordering: .relaxed) { usleep(100_000) }
            }
            finished.signal()
        }
        thread.start()
    }

    /// Connections opened (the server may have closed some already).
    public var openedSlow: Int { slowSockets.count }
    public var openedIdle: Int { idleSockets.count }

    /// How many of the slow and of the idle connections the server has closed.
    public func closedByServer() -> (slow: Int, idle: Int) {
        (slowSockets.filter(Self.isClosed).count, idleSockets.filter(Self.isClosed).count)
    }

    /// Whether the peer closed `fd`: a read without waiting sees the end of the stream or a reset (responses
    /// already received are skipped).
    private static func isClosed(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { continue }
            if count == 0 { return true }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    /// Stops trickling and closes every connection.
    public func stop() {
        guard running.exchange(false, ordering: .sequentiallyConsistent) else { return }
        _ = finished.wait(timeout: .now() + 5)
        for fd in slowSockets + idleSockets { close(fd) }
    }

    deinit { stop() }
}

/// Raises this process's open-file limit so a test or benchmark can hold thousands of connections.
public enum OpenFileLimitForTests {
    public static func raise() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// Blocking IPv4 loopback connections with a chosen source address (127.0.0.2 is as local as 127.0.0.1 but counts
/// as another client).
public enum LoopbackSocket {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// A connected socket to `host:port`, from `source` when given; 5 s send and receive timeouts.
    public static func connect(to host: String, port: Int, from source: String? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                close(fd)
                throw Failure(description: "bind \(source): \(String(cString: strerror(errno)))")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Sends `request` on a new connection from `source` and reads the response's status and body (the server is
    /// asked to close the connection after it).
    /// - Returns: The status code and the body text.
    public static func exchange(host: String, port: Int, from source: String?, request: [UInt8]) throws -> (
        status: Int, body: String
    ) {
        let fd = try connect(to: host, port: port, from: source)
        defer { close(fd) }
        var offset = 0
        while offset < request.count {
            let sent = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
            response.append(contentsOf: chunk[..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
            let status = Int(statusLine.split(separator: " ")[1])
        else { throw Failure(description: "no HTTP response (\(response.count) bytes)") }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// A raw HTTP/1.1 POST with `Connection: close`.
    public static func post(path: String, headers: [(String, String)], body: [UInt8]) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: slipway\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }
}
