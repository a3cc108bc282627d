import SlipwayHTTP
import Synchronization
import Testing

@Suite("Router")
struct RouterTests {
    @Test func reportsRouteAndStatusToObserver() {
        let seen = Mutex<[String]>([])
        var router = Router()
        router.add(.post, "/slack/commands") { _ in .text(200, "ok") }
        router.add(.get, "/healthz") { _ in .text(500, "sick") }
        router.onResponse = { route, status in seen.withLock { $0.append("\(route) \(status)") } }
        let handler = router.handler

        _ = handler(HTTPRequest(method: .post, path: "/slack/commands"))
        _ = handler(HTTPRequest(method: .get, path: "/slack/commands"))
        _ = handler(HTTPRequest(method: .get, path: "/healthz"))
        _ = handler(HTTPRequest(method: .get, path: "/nope"))

        #expect(
            seen.withLock { $0 } == ["/slack/commands 200", "/slack/commands 405", "/healthz 500", "unmatched 404"])
    }

    @Test func allowListsEveryMethodOfThePath() {
        var router = Router()
        router.add(.get, "/deploys") { _ in .text(200, "list") }
        router.add(.post, "/deploys") { _ in .text(201, "created") }
        let response = router.respond(to: HTTPRequest(method: .delete, path: "/deploys"))
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET, POST, HEAD")
        #expect(response.bodyText == #"{"error":"method DELETE not allowed on /deploys; use GET or POST"}"#)
    }

    @Test func laterRegistrationReplacesEarlier() {
        var router = Router()
        router.add(.get, "/v") { _ in .text(200, "one") }
        router.add(.get, "/v") { _ in .text(200, "two") }
        #expect(router.respond(to: HTTPRequest(method: .get, path: "/v")).bodyText == "two")
    }

    @Test func errorBodyEscapesThePath() {
        let response = Router().respond(to: HTTPRequest(method: .get, path: "/a\"b\\c\n"))
        #expect(response.status == 404)
        #expect(response.bodyText == #"{"error":"no route for /a\"b\\c\n"}"#)
    }

    @Test func handlerIsASnapshot() {
        var router = Router()
        let before = router.handler
        router.add(.get, "/late") { _ in .text(200, "late") }
        #expect(before(HTTPRequest(method: .get, path: "/late")).status == 404)
        #expect(router.handler(HTTPRequest(method: .get, path: "/late")).status == 200)
    }
}
