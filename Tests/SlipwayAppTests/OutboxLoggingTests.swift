import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwayTesting
import Testing

@testable import SlipwayApp

/// A `response_url` lets anyone post to the user's channel for 30 minutes: when its delivery fails, the logs say
/// which message and which host, never the URL.
@Suite("Outbox logs")
struct OutboxLoggingTests {
    @Test("a failed response_url delivery is logged with its host and outbox key, never the URL")
    func responseURLStaysOutOfLogs() async throws {
        let directory = NSTemporaryDirectory() + "slipway-outbox-logs-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/slipway.sqlite")
        let slack = try FakeSlack()
        defer { slack.stop() }
        let capture = LogCapture()
        let deliverer = OutboxDeliverer(
            configuration: .init(
                deployChannel: "C0DEPLOYS", channelPaceSeconds: 0, maxAttempts: 2,
                runbooksBaseURL: "https://runbooks.example"),
            store: store,
            slack: SlackWebClient(httpClient: CurlHTTPClient(), token: slack.token, baseURL: slack.baseURL),
            pagerDuty: nil, renderer: DeployMessageRenderer(runbooksBaseURL: "https://runbooks.example", onCall: []),
            clock: { Date() }, wake: Wakeup(), metrics: Metrics(), log: Log(minimum: .debug, sink: capture))
        #expect(deliverer.name == "outbox")

        // Nobody listens behind the first (retried); Slack says the second expired (given up).
        let unreachable = "http://127.0.0.1:1/commands/T0001/1111/s3cr3t-unreachable"
        let expired = slack.responseURL("s3cr3t-expired")
        slack.failNext(method: "response_url", with: .error("expired_url"))
        let reply = OutboxPayload(message: SlackMessage(text: "Deploy requested", blocks: [])).encoded()
        try store.write { w in
            try w.enqueue(
                OutboxMessage(
                    key: "click:unreachable", deployId: "d-1", target: .response(ResponseURL(unreachable)),
                    payload: reply, createdAt: Date()))
            try w.enqueue(
                OutboxMessage(
                    key: "click:expired", deployId: nil, target: .response(ResponseURL(expired)), payload: reply,
                    createdAt: Date()))
        }
        #expect(await deliverer.deliverDue() == 2)

        let records = capture.records
        let retried = try #require(records.first { $0.metadata["outbox"] == "click:unreachable" })
        #expect(retried.level == .warning)
        #expect(retried.metadata["deploy"] == "d-1")
        #expect(retried.metadata["destination"] == "response_url")
        #expect(retried.metadata["host"] == "127.0.0.1")
        #expect(retried.metadata["component"] == "outbox")
        let gaveUp = try #require(records.first { $0.metadata["outbox"] == "click:expired" })
        #expect(gaveUp.level == .error)
        #expect(gaveUp.metadata["error"]?.contains("expired_url") == true)
        #expect(gaveUp.metadata["host"] == "127.0.0.1")
        for line in capture.lines(.text) + capture.lines(.json) {
            #expect(!line.contains("s3cr3t") && !line.contains("/commands/") && !line.contains("/response/"), "\(line)")
        }
        // The error kept for /status does not quote the URL either.
        for key in ["click:unreachable", "click:expired"] {
            let stored = try #require(try store.read { r in try r.outbox(key: key) })
            #expect(stored.lastError?.isEmpty == false)
            #expect(stored.lastError?.contains("s3cr3t") == false, "\(stored.lastError ?? "")")
        }
        #expect(try store.read { r in try r.outbox(key: "click:expired")?.status } == .failed)
        #expect(try store.read { r in try r.outbox(key: "click:unreachable")?.status } == .pending)
    }

    @Test("an error that quotes a response_url is logged and stored without it")
    func quotedResponseURLIsRedacted() {
        let url = "https://hooks.slack.com/actions/T0001/5678/s3cr3t"
        let target = OutboxTarget.response(ResponseURL(url))
        let quoted = DeliveryFailure(reason: "POST \(url) failed", retryable: true).redacted(for: target)
        #expect(quoted.reason == "POST response_url failed")
        let path = DeliveryFailure(reason: "no route to /actions/T0001/5678/s3cr3t", retryable: true)
        #expect(path.redacted(for: target).reason == "no route to /…")
        // Other targets' reasons are left alone.
        #expect(path.redacted(for: .deployMessage).reason == path.reason)
    }
}
