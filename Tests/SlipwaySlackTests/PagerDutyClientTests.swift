import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct PagerDutyClientTests {
    let pagerDuty: FakePagerDuty
    let client: PagerDutyClient
    let routingKey = FakePagerDuty.exampleRoutingKey

    init() throws {
        pagerDuty = try FakePagerDuty()
        client = PagerDutyClient(httpClient: CurlHTTPClient(), eventsURL: pagerDuty.eventsURL)
    }

    func pdError(_ body: () async throws -> Void) async -> PagerDutyError? {
        do {
            try await body()
            return nil
        } catch {
            #expect(error is PagerDutyError)
            return error as? PagerDutyError
        }
    }

    func trigger(summary: String = "api prod deploy failed: OOMKilled", routingKey: String? = nil)
        async throws(PagerDutyError)
        -> String
    {
        try await client.trigger(
            routingKey: routingKey ?? self.routingKey, dedupKey: "slipway-dep_01HXYZ", summary: summary,
            source: "prod/api", severity: .critical, component: "api", group: "prod",
            links: [
                .init(href: "https://runbooks.example/memory-limits", text: "Runbook"),
                .init(href: "https://slack.example/archives/C1/p1", text: "Slack thread"),
            ],
            customDetails: ["cause": "OOMKilled", "tag": "main-4f2c1a9"])
    }

    @Test func triggerSendsTheDocumentedEvent() async throws {
        let dedupKey = try await trigger()
        #expect(dedupKey == "slipway-dep_01HXYZ")
        #expect(pagerDuty.openAlerts == ["slipway-dep_01HXYZ"])
        let event = try #require(pagerDuty.events.first)
        #expect(event.headers["Content-Type"] == "application/json")
        let json = try #require(event.json)
        #expect(json["routing_key"] as? String == routingKey)
        #expect(json["event_action"] as? String == "trigger")
        #expect(json["dedup_key"] as? String == "slipway-dep_01HXYZ")
        let payload = try #require(event.payload)
        #expect(payload["summary"] as? String == "api prod deploy failed: OOMKilled")
        #expect(payload["source"] as? String == "prod/api")
        #expect(payload["severity"] as? String == "critical")
        #expect(payload["component"] as? String == "api")
        #expect(payload["group"] as? String == "prod")
        #expect(payload["custom_details"] as? [String: String] == ["cause": "OOMKilled", "tag": "main-4f2c1a9"])
        let links = try #require(json["links"] as? [[String: String]])
        #expect(
            links == [
                ["href": "https://runbooks.example/memory-limits", "text": "Runbook"],
                ["href": "https://slack.example/archives/C1/p1", "text": "Slack thread"],
            ])
    }

    @Test func resolveClosesTheAlert() async throws {
        _ = try await trigger()
        try await client.resolve(routingKey: routingKey, dedupKey: "slipway-dep_01HXYZ")
        #expect(pagerDuty.openAlerts.isEmpty)
        let resolve = try #require(pagerDuty.events.last?.json)
        #expect(resolve["event_action"] as? String == "resolve")
        #expect(resolve["payload"] == nil)
    }

    @Test func longSummaryIsCutToPagerDutysLimit() async throws {
        _ = try await trigger(summary: String(repeating: "s", count: 2000))
        let summary = try #require(pagerDuty.events.first?.payload?["summary"] as? String)
        #expect(summary.count == 1024)
    }

    @Test func rejectedEventIsNotRetryableAndCarriesPagerDutysMessage() async {
        let error = await pdError { _ = try await trigger(routingKey: "short-key-123") }
        #expect(error?.httpStatus == 400)
        #expect(error?.isRetryable == false)
        #expect(error?.message?.contains("routing_key") == true)
        #expect(error.map { !"\($0)".contains("short-key-123") } == true)
        #expect(pagerDuty.openAlerts.isEmpty)
    }

    @Test func rateLimitAndServerErrorsAreRetryable() async {
        pagerDuty.failNext(with: .rateLimit(retryAfter: 3))
        let limited = await pdError { _ = try await trigger() }
        #expect(limited?.httpStatus == 429)
        #expect(limited?.isRetryable == true)
        #expect(limited?.retryAfter == .seconds(3))

        pagerDuty.failNext(with: .serverError)
        let failed = await pdError { try await client.resolve(routingKey: routingKey, dedupKey: "k") }
        #expect(failed?.httpStatus == 500)
        #expect(failed?.isRetryable == true)

        pagerDuty.setOutage(true)
        let outage = await pdError { _ = try await trigger() }
        #expect(outage?.httpStatus == 503)
        #expect(outage?.isRetryable == true)
        #expect(pagerDuty.openAlerts.isEmpty)
    }

    @Test func transportFailureIsRetryable() async throws {
        let gone = try FakePagerDuty()
        let url = gone.eventsURL
        gone.stop()
        let offline = PagerDutyClient(httpClient: CurlHTTPClient(), eventsURL: url, timeout: 5)
        let error = await pdError { try await offline.resolve(routingKey: routingKey, dedupKey: "k") }
        #expect(error?.description.hasPrefix("PagerDuty not reached: connectionRefused: ") == true)
        #expect(error?.httpStatus == nil)
        #expect(error?.isRetryable == true)
    }
}
