import Foundation
import SlipwaySocketMode
import Testing

/// The first event of `connection` that is not `.opened`.
private func next(_ iterator: inout AsyncStream<WebSocketConnection.Event>.Iterator) async -> WebSocketConnection.Event?
{
    while let event = await iterator.next() {
        if event != .opened { return event }
    }
    return nil
}

@Suite("WebSockets over libwebsockets (client and loopback server)")
struct WebSocketTests {
    @Test("a client and the server exchange text both ways, a large message arrives whole, close ends both sides")
    func roundTrip() async throws {
        let server = try WebSocketServer()
        defer { server.shutdown() }
        let client = try WebSocketClient()
        defer { client.shutdown() }
        let connection = try client.connect(to: "ws://127.0.0.1:\(server.port)/link/abc?x=1")
        connection.send("hello from the client")  // queued until the handshake finishes
        var accepted = server.connections.makeAsyncIterator()
        let peer = try #require(await accepted.next())
        #expect(peer.path == "/link/abc")
        var peerEvents = peer.events.makeAsyncIterator()
        #expect(await next(&peerEvents) == .message(Array("hello from the client".utf8)))

        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        peer.send(large)
        peer.send("second")
        var events = connection.events.makeAsyncIterator()
        #expect(await next(&events) == .message(large))
        #expect(await next(&events) == .message(Array("second".utf8)))
        #expect(connection.isOpen)

        connection.close()
        #expect(await next(&events) == .closed(reason: nil))
        #expect(await next(&peerEvents) == .closed(reason: nil))
        #expect(!connection.isOpen)
    }

    @Test("a dropped connection ends on the other side")
    func drop() async throws {
        let server = try WebSocketServer()
        defer { server.shutdown() }
        let client = try WebSocketClient()
        defer { client.shutdown() }
        let connection = try client.connect(to: "ws://127.0.0.1:\(server.port)/")
        var accepted = server.connections.makeAsyncIterator()
        let peer = try #require(await accepted.next())
        peer.drop()
        var events = connection.events.makeAsyncIterator()
        guard case .closed = await next(&events) else {
            Issue.record("the client saw no close")
            return
        }
    }

    @Test("nothing listening: the connection ends with the reason; a bad URL is refused with what is wrong")
    func failures() async throws {
        let client = try WebSocketClient()
        defer { client.shutdown() }
        // A port that was just free: bind a server, note its port, shut it down.
        let port = try WebSocketServer().port
        let connection = try client.connect(to: "ws://127.0.0.1:\(port)/")
        var events = connection.events.makeAsyncIterator()
        guard case .closed(let reason)? = await next(&events) else {
            Issue.record("no close event")
            return
        }
        #expect(reason?.contains("connection failed") == true)
        #expect(throws: WebSocketError.self) { try client.connect(to: "https://slack.com/") }
        do {
            _ = try client.connect(to: "ftp://example.com/")
        } catch {
            #expect(error.description.contains("ftp:// is not ws:// or wss://"))
        }
    }
}

@Suite("wss:// over libwebsockets' OpenSSL")
struct SecureWebSocketTests {
    /// A self-signed certificate for 127.0.0.1 made by the openssl command, in a temporary directory.
    static func certificate() throws -> (directory: String, certificate: String, key: String) {
        let directory = NSTemporaryDirectory() + "slipway-wss-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", directory + "/key.pem", "-out",
            directory + "/cert.pem",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return (directory, directory + "/cert.pem", directory + "/key.pem")
    }

    @Test("a client that trusts the server's certificate talks over TLS; one using the system's CA store refuses it")
    func tls() async throws {
        let files = try Self.certificate()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let server = try WebSocketServer(tls: (files.certificate, files.key))
        defer { server.shutdown() }

        let trusting = try WebSocketClient(caFile: files.certificate)
        defer { trusting.shutdown() }
        let connection = try trusting.connect(to: "wss://127.0.0.1:\(server.port)/secure")
        connection.send("over tls")
        var accepted = server.connections.makeAsyncIterator()
        let peer = try #require(await accepted.next())
        var peerEvents = peer.events.makeAsyncIterator()
        #expect(await next(&peerEvents) == .message(Array("over tls".utf8)))
        connection.close()

        let system = try WebSocketClient()
        defer { system.shutdown() }
        let refused = try system.connect(to: "wss://127.0.0.1:\(server.port)/secure")
        var events = refused.events.makeAsyncIterator()
        guard case .closed(let reason)? = await next(&events) else {
            Issue.record("no close event")
            return
        }
        #expect(reason?.contains("connection failed") == true, "\(reason ?? "-")")
    }
}
