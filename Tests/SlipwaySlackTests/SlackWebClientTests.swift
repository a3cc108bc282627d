import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct SlackWebClientTests {
    let slack: FakeSlack
    let client: SlackWebClient

    init() throws {
        slack = try FakeSlack(token: "xoxb-test-0001", users: ["dana+deploy@example.com": "U0DANA"])
        client = SlackWebClient(httpClient: CurlHTTPClient(), token: "xoxb-test-0001", baseURL: slack.baseURL)
    }

    func apiError(_ body: () async throws -> Void) async -> SlackAPIError? {
        do {
            try await body()
            return nil
        } catch {
            #expect(error is SlackAPIError)
            return error as? SlackAPIError
        }
    }

    static let message = SlackMessage(
        text: "Deploying api to prod", blocks: [.section("*api* `main-4f2c1a9` → *prod*")], responseType: .ephemeral)

    @Test func postMessageSendsJSONWithBearerTokenAndReturnsTheTimestamp() async throws {
        let first = try await client.postMessage(channel: "C2147483705", message: Self.message)
        let second = try await client.postMessage(channel: "C2147483705", message: Self.message)
        #expect(first.channel == "C2147483705")
        #expect(first.ts == "1700000001.000100")
        #expect(second.ts == "1700000002.000100")
        let call = try #require(slack.calls(method: "chat.postMessage").first)
        #expect(call.httpMethod == "POST")
        #expect(call.headers["authorization"] == "Bearer xoxb-test-0001")
        #expect(call.headers["content-type"] == "application/json; charset=utf-8")
        #expect(call.string("channel") == "C2147483705")
        #expect(call.string("text") == "Deploying api to prod")
        #expect(call.json?["response_type"] == nil)
        #expect((call.json?["blocks"] as? [Any])?.count == 1)
        #expect(BlockKitValidator.validate(call.json as Any).isEmpty)
    }

    @Test func updateReplacesThePostedMessage() async throws {
        let posted = try await client.postMessage(channel: "C1", message: SlackMessage(text: "Deploying"))
        try await client.update(channel: posted.channel, ts: posted.ts, message: SlackMessage(text: "Deployed ✅"))
        #expect(slack.message(channel: "C1", ts: posted.ts)?["text"] as? String == "Deployed ✅")
        #expect(slack.calls(method: "chat.update").first?.string("ts") == posted.ts)
        let missing = await apiError {
            try await client.update(channel: "C1", ts: "1.2", message: SlackMessage(text: "x"))
        }
        #expect(missing?.code == "message_not_found")
    }

    @Test func postEphemeralTargetsTheUser() async throws {
        let ts = try await client.postEphemeral(channel: "C1", user: "U1", message: .ephemeral("Only you"))
        #expect(!ts.isEmpty)
        let call = try #require(slack.calls(method: "chat.postEphemeral").first)
        #expect(call.string("user") == "U1")
        #expect(call.string("channel") == "C1")
    }

    @Test func openConversationReturnsTheDMChannel() async throws {
        #expect(try await client.openConversation(users: ["U0ONCALL"]) == "D0ONCALL")
        #expect(slack.calls(method: "conversations.open").first?.string("users") == "U0ONCALL")
    }

    @Test func lookupByEmailUsesAnEncodedQuery() async throws {
        #expect(try await client.lookupUserByEmail("dana+deploy@example.com") == "U0DANA")
        let call = try #require(slack.calls(method: "users.lookupByEmail").first)
        #expect(call.httpMethod == "GET")
        #expect(call.query == "email=dana%2Bdeploy%40example.com")
        #expect(call.headers["Authorization"] == "Bearer xoxb-test-0001")
        #expect(try await client.lookupUserByEmail("nobody@example.com") == nil)
    }

    @Test func okFalseBecomesATypedError() async {
        slack.setNotInChannel("C0SECRET")
        let error = await apiError { _ = try await client.postMessage(channel: "C0SECRET", message: Self.message) }
        #expect(error?.code == "not_in_channel")
        #expect(error?.method == "chat.postMessage")
        #expect(error?.isRetryable == false)
        #expect(error?.retryAfter == nil)

        slack.failNext(method: "chat.postMessage", with: .error("channel_not_found"))
        let notFound = await apiError { _ = try await client.postMessage(channel: "C1", message: Self.message) }
        #expect(notFound?.code == "channel_not_found")
        #expect(notFound?.description == "Slack chat.postMessage failed: channel_not_found")

        slack.failNext(method: "chat.postMessage", with: .error("internal_error"))
        let transient = await apiError { _ = try await client.postMessage(channel: "C1", message: Self.message) }
        #expect(transient?.isRetryable == true)
    }

    @Test func wrongTokenIsInvalidAuthAndTheTokenIsNeverShown() async {
        let wrong = SlackWebClient(httpClient: CurlHTTPClient(), token: "xoxb-wrong-9999", baseURL: slack.baseURL)
        let error = await apiError { _ = try await wrong.postMessage(channel: "C1", message: Self.message) }
        #expect(error?.code == "invalid_auth")
        #expect(error?.isRetryable == false)
        #expect(error.map { !"\($0)".contains("xoxb") } == true)
        #expect(!"\(wrong)".contains("xoxb"))
        #expect(!String(reflecting: wrong).contains("xoxb"))
        var dumped = ""
        dump(wrong, to: &dumped)
        #expect(!dumped.contains("xoxb"))
    }

    @Test func rateLimitSurfacesRetryAfter() async {
        slack.failNext(method: "chat.update", with: .rateLimit(retryAfter: 7))
        let error = await apiError { try await client.update(channel: "C1", ts: "1.1", message: Self.message) }
        #expect(error?.code == "ratelimited")
        #expect(error?.httpStatus == 429)
        #expect(error?.retryAfterSeconds == 7)
        #expect(error?.retryAfter == .seconds(7))
        #expect(error?.isRetryable == true)
    }

    @Test func serverErrorsAndOutagesAreRetryable() async {
        slack.failNext(method: "conversations.open", with: .serverError)
        let error = await apiError { _ = try await client.openConversation(users: ["U1"]) }
        #expect(error?.code == "http_500")
        #expect(error?.isRetryable == true)

        slack.setOutage(true)
        let outage = await apiError { _ = try await client.postMessage(channel: "C1", message: Self.message) }
        #expect(outage?.code == "http_503")
        #expect(outage?.isRetryable == true)
        slack.setOutage(false)
        let recovered = await apiError { _ = try await client.postMessage(channel: "C1", message: Self.message) }
        #expect(recovered == nil)
    }

    @Test func transportFailureIsRetryable() async throws {
        let gone = try FakeSlack()
        let baseURL = gone.baseURL
        gone.stop()
        let offline = SlackWebClient(
            httpClient: CurlHTTPClient(), token: "xoxb-test-0001", baseURL: baseURL, timeout: 5)
        let error = await apiError { _ = try await offline.postMessage(channel: "C1", message: Self.message) }
        #expect(error?.code == "transport_error")
        // The log line says why (curl's reason), not only that the transport failed.
        #expect(
            error?.description.contains("transport_error (connectionRefused: ") == true, "\(String(describing: error))")
        #expect(error?.description.contains("/chat.postMessage") == false)
        #expect(error?.httpStatus == nil)
        #expect(error?.isRetryable == true)
    }

    @Test func respondPostsToTheResponseURLWithoutTheToken() async throws {
        let url = slack.responseURL("cmd-1")
        try await client.respond(responseURL: url, message: .ephemeral("Deploy queued"))
        let call = try #require(slack.calls(method: "response_url").first)
        #expect(call.path == "/response/cmd-1")
        #expect(call.headers["Authorization"] == nil)
        #expect(call.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(call.string("response_type") == "ephemeral")
        #expect(call.string("text") == "Deploy queued")
    }

    @Test func responseURLStopsAfterFiveUses() async throws {
        let url = slack.responseURL("cmd-2")
        for _ in 1...FakeSlack.responseURLUseLimit {
            try await client.respond(responseURL: url, message: SlackMessage(text: "update"))
        }
        let error = await apiError { try await client.respond(responseURL: url, message: SlackMessage(text: "sixth")) }
        #expect(error?.code == "used_url")
        #expect(error?.method == "response_url")
        #expect(error?.isRetryable == false)
    }

    @Test func anUnreachableResponseURLIsNeverNamedInTheError() async throws {
        let gone = try FakeSlack()
        let url = gone.responseURL("T0001/1234/secret-hook-path")
        gone.stop()
        let error = await apiError { try await client.respond(responseURL: url, message: SlackMessage(text: "hi")) }
        #expect(error?.code == "transport_error")
        // A response_url is a credential for 30 minutes: the error (a log line) names no part of its path.
        let description = error.map(String.init(describing:)) ?? ""
        #expect(description.contains("connectionRefused"), "\(description)")
        #expect(!description.contains("secret-hook-path"))
        #expect(!description.contains("/response"))
    }

    @Test func wrongBaseURLIsNotRetried() async throws {
        let misconfigured = SlackWebClient(
            httpClient: CurlHTTPClient(), token: "xoxb-test-0001",
            baseURL: slack.baseURL.replacingOccurrences(of: "/api", with: "/slack-api"))
        let error = await apiError { _ = try await misconfigured.openConversation(users: ["U1"]) }
        #expect(error?.httpStatus == 404)
        #expect(error?.isRetryable == false)
    }
}
