import Foundation
import SlipwayHTTP
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("CurlHTTPClient")
struct CurlHTTPClientTests {
    let client = CurlHTTPClient(userAgent: "slipway-test")

    /// Echoes method, query, selected headers and body as text.
    private let echo: HTTPHandler = { request in
        let summary = [
            request.method.rawValue, request.query, request.headers["authorization"] ?? "-",
            request.headers["user-agent"] ?? "-", request.headers["content-length"] ?? "-",
            String(decoding: request.body, as: UTF8.self),
        ].joined(separator: "|")
        return HTTPResponse(status: 201, headers: ["X-Multi": "1", "X-Multi-Other": "2"], body: Array(summary.utf8))
    }

    @Test(arguments: [HTTPMethod.post, .put, .patch, .delete])
    func sendsMethodHeadersAndBody(method: HTTPMethod) async throws {
        try await withServer(handler: echo) { _, base in
            let response = try client.send(
                HTTPClientRequest(
                    method: method, url: base + "/echo?x=1", headers: ["Authorization": "Bearer xoxb-secret"],
                    body: Array("payload".utf8)))
            #expect(response.status == 201)
            #expect(response.bodyText == "\(method.rawValue)|x=1|Bearer xoxb-secret|slipway-test|7|payload")
            #expect(response.headers["x-multi"] == "1")
            #expect(response.headers["X-MULTI-OTHER"] == "2")
        }
    }

    @Test func emptyPostSendsZeroContentLength() async throws {
        try await withServer(handler: echo) { _, base in
            let response = try client.send(HTTPClientRequest(method: .post, url: base + "/echo"))
            #expect(response.bodyText == "POST||-|slipway-test|0|")
        }
    }

    @Test func errorStatusesAreResponsesNotErrors() async throws {
        let ratelimited: HTTPHandler = { _ in .json(429, #"{"ok":false,"error":"ratelimited"}"#) }
        try await withServer(handler: ratelimited) { _, base in
            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/api/chat.postMessage"))
            #expect(response.status == 429)
            #expect(response.bodyText.contains("ratelimited"))
        }
    }

    @Test func connectionRefusedIsReported() async throws {
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), handler: { _ in .text(200, "") })
        try server.start()
        let port = server.port
        server.stop()
        let url =
            "http://bot:secret@127.0.0.1:\(port)/api/users.lookupByEmail?email=alice%40example.com&token=xoxb-secret"
        let error = #expect(throws: HTTPClientError.self) {
            try client.send(
                HTTPClientRequest(method: .get, url: url, headers: ["Authorization": "Bearer xoxb-secret"], timeout: 2))
        }
        #expect(error?.kind == .connectionRefused)
        #expect(error?.url == "http://127.0.0.1:\(port)")
        let description = error?.description ?? ""
        #expect(description.hasPrefix("GET http://127.0.0.1:\(port) failed: "))
        #expect(!description.contains("secret"))
        #expect(!description.contains("alice"))
        #expect(!description.contains("lookupByEmail"))
    }

    @Test func slowServerTimesOut() async throws {
        let release = DispatchSemaphore(value: 0)
        let slow: HTTPHandler = { _ in
            _ = release.wait(timeout: .now() + 3)
            return .text(200, "late")
        }
        try await withServer(handler: slow) { _, base in
            defer { release.signal() }
            let error = #expect(throws: HTTPClientError.self) {
                try client.send(HTTPClientRequest(method: .get, url: base + "/slow", timeout: 0.3))
            }
            #expect(error?.kind == .timeout)
        }
    }

    @Test func tlsFailureIsReported() async throws {
        let tlsClient = CurlHTTPClient(tls: TLSOptions(caFile: "/nonexistent/ca.pem"))
        try await withServer(handler: echo) { server, _ in
            // The loopback server speaks plain HTTP, so the TLS handshake cannot succeed.
            let error = #expect(throws: HTTPClientError.self) {
                try tlsClient.send(
                    HTTPClientRequest(method: .get, url: "https://127.0.0.1:\(server.port)/x?token=t", timeout: 2))
            }
            #expect(error?.kind == .tls)
            #expect(error?.description.contains("token") == false)
        }
    }

    @Test func headerWithLineBreakIsRefused() async throws {
        try await withServer(handler: echo) { _, base in
            let error = #expect(throws: HTTPClientError.self) {
                try client.send(
                    HTTPClientRequest(method: .get, url: base + "/", headers: ["X-Evil": "a\r\nX-Injected: 1"]))
            }
            #expect(error?.kind == .other)
            #expect(error?.description.contains("X-Evil") == true)
            #expect(error?.description.contains("Injected") == false)
        }
    }
}
