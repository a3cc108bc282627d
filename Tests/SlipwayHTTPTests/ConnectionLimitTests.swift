import Foundation
import SlipwayHTTP
import SlipwayTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Connection limits: a deadline for a whole request (not only for silence) and a per-client-address limit.
@Suite("Connection limits")
struct ConnectionLimitTests {
    func withLimitedServer<T>(
        deadline: Int = 1, perClient: Int = 512, _ body: (HTTPServer) async throws -> T
    ) async throws -> T {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, threadCount: 2)
        configuration.requestDeadlineSeconds = deadline
        configuration.maxConnectionsPerClient = perClient
        let server = HTTPServer(configuration: configuration) { _ in .text(200, "ok") }
        try server.start()
        defer { server.stop() }
        return try await body(server)
    }

    /// Whether the server closed `fd` within `seconds` (a read sees the end of the stream or a reset).
    func closedWithin(_ fd: Int32, seconds: Double, whileSending byte: UInt8? = nil) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 1024)
        while Date() < deadline {
            if var byte {
                if send(fd, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) < 0 && errno != EAGAIN { return true }
            }
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            usleep(100_000)
        }
        return false
    }

    @Test("a client trickling its headers (never silent) is closed after the request deadline")
    func tricklingClientIsClosed() async throws {
        try await withLimitedServer(deadline: 1) { server in
            let fd = try LoopbackSocket.connect(to: "127.0.0.1", port: server.port)
            defer { close(fd) }
            let start = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
            _ = start.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // One byte every 100 ms: libmicrohttpd's idle timeout would never fire.
            #expect(closedWithin(fd, seconds: 4, whileSending: UInt8(ascii: "a")))
            #expect(server.deadlineClosedCount >= 1)
            // A prompt request is still answered.
            let reply = try LoopbackSocket.exchange(
                host: "127.0.0.1", port: server.port, from: nil,
                request: Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            #expect(reply.status == 200)
        }
    }

    @Test("a keep-alive connection is served, then closed when no next request arrives within the deadline")
    func idleKeepAliveIsClosed() async throws {
        try await withLimitedServer(deadline: 1) { server in
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            try connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try connection.readResponse().status == 200)
            #expect(connection.isClosedByPeer())
        }
    }

    @Test("one address gets at most maxConnectionsPerClient connections; another address is still served")
    func perClientLimit() async throws {
        try await withLimitedServer(deadline: 30, perClient: 3) { server in
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            for _ in 0..<6 { held.append(try LoopbackSocket.connect(to: "127.0.0.1", port: server.port)) }
            #expect(await waitUntil { server.openConnectionCount == 3 })
            let refused = held.filter { closedWithin($0, seconds: 0.5) }.count
            #expect(refused == 3)
            let reply = try LoopbackSocket.exchange(
                host: "127.0.0.1", port: server.port, from: "127.0.0.2",
                request: Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            #expect(reply.status == 200)
        }
    }

    @Test("negative limits are refused with the key and what to use instead")
    func invalidLimits() {
        var configuration = HTTPServer.Configuration()
        configuration.requestDeadlineSeconds = -1
        let error = #expect(throws: HTTPServerError.self) {
            try HTTPServer(configuration: configuration) { _ in .text(200, "") }.start()
        }
        #expect(error?.description.contains("requestDeadlineSeconds") == true)
    }

    @Test("the open-file limit is raised above 1,024 and sizes the connection limit")
    func openFileLimit() {
        let openFiles = OpenFileLimit.raiseToHardLimit()
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(Int(clamping: limit.rlim_cur) == openFiles || openFiles == Int(Int32.max))
        #expect(OpenFileLimit.defaultConnectionLimit(openFiles: 1_048_576) == 16_384)
        #expect(OpenFileLimit.defaultConnectionLimit(openFiles: 1024) == 512)
    }
}
