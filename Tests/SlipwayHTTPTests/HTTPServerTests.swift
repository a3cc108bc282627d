import Foundation
import SlipwayHTTP
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("HTTPServer over loopback")
struct HTTPServerTests {
    let client = CurlHTTPClient()

    private func router() -> Router {
        var router = Router()
        router.add(.get, "/hello") { _ in .text(200, "hello") }
        router.add(.post, "/slack/commands") { request in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        return router
    }

    @Test func routedRequestIsAnswered() async throws {
        try await withServer(handler: router().handler) { server, base in
            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/hello"))
            #expect(response.status == 200)
            #expect(response.bodyText == "hello")
            #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(server.port != 0)
        }
    }

    @Test("a reusable response is sent intact from every worker thread; a changed copy is sent as changed")
    func reusableResponses() async throws {
        let shared = HTTPResponse.json(200, #"{"text":"Status of shop"}"#).reusable()
        var router = Router()
        router.add(.get, "/shared") { _ in shared }
        router.add(.get, "/changed") { _ in
            var copy = shared
            copy.status = 202
            copy.headers.add(name: "X-Changed", value: "yes")
            return copy
        }
        try await withServer(threadCount: 3, handler: router.handler) { _, base in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<25 {
                            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/shared"))
                            #expect(response.status == 200)
                            #expect(response.bodyText == #"{"text":"Status of shop"}"#)
                            #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let changed = try client.send(HTTPClientRequest(method: .get, url: base + "/changed"))
            #expect(changed.status == 202)
            #expect(changed.headers["X-Changed"] == "yes")
            #expect(changed.bodyText == #"{"text":"Status of shop"}"#)
        }
    }

    @Test("requests with a few KiB of headers fit the per-connection memory, keep-alive included")
    func largeHeadersAreServed() async throws {
        let cookie = String(repeating: "c", count: 3 * 1024)
        let body = Array(String(repeating: "text=shop+prod&", count: 200).utf8)
        try await withServer(handler: router().handler) { _, base in
            for _ in 0..<3 {
                let response = try client.send(
                    HTTPClientRequest(
                        method: .post, url: base + "/slack/commands",
                        headers: ["Cookie": cookie, "X-Slack-Signature": "v0=" + String(repeating: "a", count: 64)],
                        body: body))
                #expect(response.status == 200)
                #expect(response.body == body)
            }
        }
    }

    @Test("headers beyond the per-connection memory get 431, and the server goes on serving")
    func oversizedHeadersAre431() async throws {
        let cookie = String(repeating: "c", count: 12 * 1024)
        try await withServer(handler: router().handler) { _, base in
            let refused = try client.send(
                HTTPClientRequest(method: .get, url: base + "/hello", headers: ["Cookie": cookie]))
            #expect(refused.status == 431)
            #expect(try client.send(HTTPClientRequest(method: .get, url: base + "/hello")).status == 200)
        }
        // A server given more memory per connection takes the same request, and a value over 64 KiB arrives whole.
        let big = String(repeating: "b", count: 70_000)
        let roomy = HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, connectionMemoryBytes: 256 << 10),
            handler: { request in .text(200, "\(request.headers["X-Big"]?.count ?? -1)") })
        try roomy.start()
        defer { roomy.stop() }
        let echoed = try client.send(
            HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(roomy.port)/", headers: ["X-Big": big]))
        #expect(echoed.bodyText == "70000")
        let server = HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, connectionMemoryBytes: 32 << 10), handler: router().handler
        )
        try server.start()
        defer { server.stop() }
        let served = try client.send(
            HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(server.port)/hello", headers: ["Cookie": cookie]))
        #expect(served.status == 200)
    }

    @Test func unknownPathIs404() async throws {
        try await withServer(handler: router().handler) { _, base in
            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/x"))
            #expect(response.status == 404)
            #expect(response.bodyText == #"{"error":"no route for /x"}"#)
            #expect(response.headers["Content-Type"] == "application/json; charset=utf-8")
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await withServer(handler: router().handler) { _, base in
            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/slack/commands"))
            #expect(response.status == 405)
            #expect(response.headers["Allow"] == "POST")
            #expect(response.bodyText == #"{"error":"method GET not allowed on /slack/commands; use POST"}"#)
        }
    }

    @Test func bodyOverLimitIs413AndNeverReachesHandler() async throws {
        let calls = Mutex(0)
        let handler: HTTPHandler = { request in
            calls.withLock { $0 += 1 }
            return .text(200, "got \(request.body.count)")
        }
        try await withServer(maxBodyBytes: 1024, handler: handler) { server, base in
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
            let response = try client.send(HTTPClientRequest(method: .post, url: base + "/upload", body: big))
            #expect(response.status == 413)
            #expect(response.bodyText == #"{"error":"request body too large (limit 1024 bytes)"}"#)
            let justOver = try client.send(
                HTTPClientRequest(method: .post, url: base + "/upload", body: [UInt8](repeating: 1, count: 1025)))
            #expect(justOver.status == 413)
            #expect(calls.withLock { $0 } == 0)
            #expect(await waitUntil { server.inFlightCount == 0 })
        }
    }

    @Test(arguments: [0, 1, 1023, 1024])
    func bodyWithinLimitIsDeliveredByteExact(size: Int) async throws {
        let received = Mutex<[UInt8]?>(nil)
        let handler: HTTPHandler = { request in
            received.withLock { $0 = request.body }
            return .text(200, "ok")
        }
        try await withServer(maxBodyBytes: 1024, handler: handler) { _, base in
            let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }  // every byte value, NUL included
            let response = try client.send(
                HTTPClientRequest(
                    method: .post, url: base + "/upload", headers: ["Content-Type": "application/octet-stream"],
                    body: body))
            #expect(response.status == 200)
            #expect(received.withLock { $0 } == body)
        }
    }

    @Test func chunkedBodyOverLimitIs413() async throws {
        let calls = Mutex(0)
        let handler: HTTPHandler = { _ in
            calls.withLock { $0 += 1 }
            return .text(200, "ok")
        }
        try await withServer(maxBodyBytes: 1024, handler: handler) { server, _ in
            let connection = try RawHTTPConnection(port: server.port)
            let chunk = String(repeating: "z", count: 1000)
            try connection.send(
                "POST /upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3e8\r\n\(chunk)\r\n3e8\r\n\(chunk)\r\n0\r\n\r\n")
            let response = try connection.readResponse()
            #expect(response.status == 413)
            #expect(response.body == #"{"error":"request body too large (limit 1024 bytes)"}"#)
            #expect(calls.withLock { $0 } == 0)
        }
    }

    @Test("request headers: names case-insensitive, first value wins, bytes readable in place, all fields in order")
    func headerNamesAreCaseInsensitive() async throws {
        let handler: HTTPHandler = { request in
            let lower = request.headers["x-slack-signature"] ?? "-"
            let upper = request.headers["X-SLACK-SIGNATURE"] ?? "-"
            let bytes = request.headers.withValue("X-Slack-Signature") { $0.count } ?? -1
            let missing = request.headers.withValue("X-Missing") { $0.count } ?? -1
            let names = request.headers.fields.map(\.name).filter { $0.hasPrefix("X-") }.joined(separator: ",")
            return HTTPResponse(
                status: 200,
                headers: [
                    "X-Echo-Signature": "\(lower)|\(upper)", "X-Echo-Counts": "\(bytes),\(missing)",
                    "X-Echo-Names": names,
                ])
        }
        try await withServer(handler: handler) { _, base in
            let response = try client.send(
                HTTPClientRequest(
                    method: .get, url: base + "/h",
                    headers: HTTPHeaders([
                        (name: "X-Slack-Signature", value: "v0=abc"), (name: "X-Other", value: "1"),
                        (name: "x-slack-signature", value: "v0=second"),
                    ])))
            #expect(response.headers["x-echo-signature"] == "v0=abc|v0=abc")
            #expect(response.headers["X-Echo-Counts"] == "6,-1")
            #expect(response.headers["X-Echo-Names"] == "X-Slack-Signature,X-Other")
        }
    }

    @Test func pathAndRawQueryArePreserved() async throws {
        let seen = Mutex<(String, String)?>(nil)
        let handler: HTTPHandler = { request in
            seen.withLock { $0 = (request.path, request.query) }
            return .text(200, "ok")
        }
        try await withServer(handler: handler) { _, base in
            _ = try client.send(HTTPClientRequest(method: .get, url: base + "/q?a=1&b=%2F&c=x+y"))
            #expect(seen.withLock { $0?.0 } == "/q")
            #expect(seen.withLock { $0?.1 } == "a=1&b=%2F&c=x+y")
            _ = try client.send(HTTPClientRequest(method: .get, url: base + "/plain"))
            #expect(seen.withLock { $0?.0 } == "/plain")
            #expect(seen.withLock { $0?.1 } == "")
        }
    }

    @Test func headIsAnsweredByGetRouteWithoutBody() async throws {
        try await withServer(handler: router().handler) { _, base in
            let response = try client.send(HTTPClientRequest(method: .head, url: base + "/hello"))
            #expect(response.status == 200)
            #expect(response.body.isEmpty)
            #expect(response.headers["Content-Length"] == "5")
        }
    }

    @Test func keepAliveServesTwoRequestsOnOneConnection() async throws {
        try await withServer(handler: router().handler) { server, _ in
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let first = try connection.readResponse()
            try connection.send("POST /slack/commands HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nagain")
            let second = try connection.readResponse()
            #expect(first.status == 200)
            #expect(first.body == "hello")
            #expect(first.headers["connection"] != "close")
            #expect(second.status == 200)
            #expect(second.body == "again")
        }
    }

    @Test func slowHandlerDoesNotBlockOtherConnections() async throws {
        let released = DispatchSemaphore(value: 0)
        var router = Router()
        router.add(.get, "/wait") { _ in
            released.wait(timeout: .now() + 5) == .success ? .text(200, "released") : .text(504, "never released")
        }
        router.add(.get, "/release") { _ in
            released.signal()
            return .text(200, "ok")
        }
        try await withServer(threadCount: 2, handler: router.handler) { server, base in
            let waiting = Pending { [client] in try client.send(HTTPClientRequest(method: .get, url: base + "/wait")) }
            #expect(await waitUntil { server.inFlightCount == 1 })
            let release = try client.send(HTTPClientRequest(method: .get, url: base + "/release"))
            #expect(release.status == 200)
            let waited = try waiting.value()
            #expect(waited.bodyText == "released")
        }
    }

    @Test func beginDrainAnswers503AndCloses() async throws {
        try await withServer(handler: router().handler) { server, base in
            let before = try client.send(HTTPClientRequest(method: .get, url: base + "/hello"))
            #expect(before.status == 200)
            server.beginDrain()
            #expect(server.isDraining)
            let response = try client.send(HTTPClientRequest(method: .get, url: base + "/hello"))
            #expect(response.status == 503)
            #expect(response.bodyText == #"{"error":"draining"}"#)
            #expect(response.headers["Connection"] == "close")
        }
    }

    @Test func drainWaitsForInFlightRequest() async throws {
        var router = Router()
        router.add(.get, "/slow") { _ in
            usleep(300_000)
            return .text(200, "slow done")
        }
        try await withServer(handler: router.handler) { server, base in
            let slow = Pending { [client] in try client.send(HTTPClientRequest(method: .get, url: base + "/slow")) }
            #expect(await waitUntil { server.inFlightCount == 1 })
            server.beginDrain()
            let refused = try client.send(HTTPClientRequest(method: .get, url: base + "/slow"))
            #expect(refused.status == 503)
            #expect(server.drain(timeout: 5))
            #expect(server.inFlightCount == 0)
            let response = try slow.value()
            #expect(response.status == 200)
            #expect(response.bodyText == "slow done")
            #expect(response.headers["Connection"] == "close")
        }
    }

    @Test func drainGivesUpAfterTimeout() async throws {
        let release = DispatchSemaphore(value: 0)
        let handler: HTTPHandler = { _ in
            _ = release.wait(timeout: .now() + 5)
            return .text(200, "late")
        }
        try await withServer(handler: handler) { server, base in
            let stuck = Pending { [client] in try client.send(HTTPClientRequest(method: .get, url: base + "/stuck")) }
            #expect(await waitUntil { server.inFlightCount == 1 })
            #expect(server.drain(timeout: 0.1) == false)
            #expect(server.inFlightCount == 1)
            release.signal()
            let late = try stuck.value()
            #expect(late.status == 200)
        }
    }

    @Test func startFailsClearlyWhenPortIsTaken() async throws {
        try await withServer(handler: router().handler) { server, _ in
            let second = HTTPServer(
                configuration: .init(host: "127.0.0.1", port: server.port), handler: router().handler)
            let error = #expect(throws: HTTPServerError.self) { try second.start() }
            #expect(error?.description == "cannot listen on 127.0.0.1:\(server.port): address already in use")
            #expect(error?.isListenFailure == true)
        }
    }

    @Test func startRejectsUnknownHost() {
        let server = HTTPServer(
            configuration: .init(host: "no such host.invalid", port: 0), handler: { _ in .text(200, "") })
        let error = #expect(throws: HTTPServerError.self) { try server.start() }
        #expect(error?.description.hasPrefix("cannot listen on host `no such host.invalid`") == true)
        #expect(server.isRunning == false)
    }

    @Test func stopClosesTheListeningSocket() async throws {
        let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), handler: { _ in .text(200, "up") })
        try server.start()
        let port = server.port
        #expect(try client.send(HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/")).status == 200)
        server.stop()
        #expect(server.isRunning == false)
        #expect(throws: HTTPClientError.self) {
            try client.send(HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/", timeout: 2))
        }
    }
}
