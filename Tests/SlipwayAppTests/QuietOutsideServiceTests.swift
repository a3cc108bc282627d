import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwayTesting
import Testing

@testable import SlipwayApp

/// `make run` on a laptop without Slack: the outbox logs an unreachable service once at start, then at most one line
/// per 10 minutes with the count it left out, not one warning per message and retry.
@Suite("Quiet logs when an outside service is unreachable", .harnessScope)
struct QuietOutsideServiceTests {
    @Test("an unreachable Slack is one warning for every message and retry, then one per 10 minutes with a count")
    func unreachableSlackIsLoggedOncePerTenMinutes() async throws {
        let directory = NSTemporaryDirectory() + "slipway-quiet-" + UUID().uuidString
        TestScope.removeOnExit(directory)
        let store = try SQLiteStore(path: directory + "/slipway.sqlite")
        let clock = TestClock()
        let capture = LogCapture()
        let metrics = Metrics()
        // Nothing listens on port 1: every call fails before any HTTP answer, as slack.com does offline.
        let deliverer = OutboxDeliverer(
            configuration: .init(
                deployChannel: "C0DEPLOYS", channelPaceSeconds: 0, runbooksBaseURL: "https://rb.example"),
            store: store,
            slack: SlackWebClient(httpClient: CurlHTTPClient(), token: "xoxb-test", baseURL: "http://127.0.0.1:1/api"),
            pagerDuty: nil, renderer: DeployMessageRenderer(runbooksBaseURL: "https://rb.example", onCall: []),
            clock: { clock.now }, wake: Wakeup(), metrics: metrics, log: Log(minimum: .info, sink: capture))
        try store.write { w in
            for n in 0..<5 {
                try w.enqueue(
                    OutboxMessage(
                        key: "post-\(n)", deployId: nil, target: .channelMessage,
                        payload: OutboxPayload(
                            channel: "C0DEPLOYS", message: SlackMessage(text: "hello \(n)", blocks: [])
                        ).encoded(), createdAt: clock.now))
            }
        }
        // Over 16 minutes of retries with backoff (the longest wait is 5 minutes).
        var attempts = 0
        for _ in 0..<100 {
            attempts += await deliverer.deliverDue()
            clock.advance(by: 10)
        }
        #expect(attempts > 20, "every message was retried several times (\(attempts) attempts)")
        let warnings = capture.records.filter { $0.level == .warning || $0.level == .error }
        #expect(warnings.count == 2, "\(warnings.map(\.message))")
        let first = try #require(warnings.first)
        #expect(first.message.hasPrefix("Slack API failed: Slack chat.postMessage failed: transport_error"))
        #expect(first.metadata["outbox"] == "post-0", "the first failure names its message")
        let later = try #require(warnings.last)
        #expect(later.message.hasPrefix("Slack API still failing after 10 min"), "\(later.message)")
        let leftOut = later.message.split(separator: "(").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((leftOut ?? 0) > 10 && (leftOut ?? 0) < attempts, "\(later.message)")

        let exposition = StrictExposition(metrics.render(store: store, now: clock.now))
        #expect(
            exposition.samples["slipway_outbox_delivery_failures_total{destination=\"channel_message\"}"]
                == Double(attempts))
        #expect(exposition.samples["slipway_outbox_pending{destination=\"channel_message\"}"] == 5)
        #expect(exposition.samples["slipway_outbox_pending{destination=\"deploy_message\"}"] == 0)
    }
}
