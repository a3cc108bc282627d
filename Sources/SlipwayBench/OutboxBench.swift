import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwayTesting

/// `slipway-bench outbox`: how long a production failure's page and on-call DM take to leave while the outbox is
/// busy: `posts` channel posts queued (paced one a second) and `hangers` `response_url`s that never answer (each
/// times out after 5 s). The in-run baseline is the same page and DM with an empty outbox.
enum OutboxBench {
    static func run(posts: Int, hangers: Int) async throws {
        let baseline = try await measure(posts: 0, hangers: 0)
        let busy = try await measure(posts: posts, hangers: hangers)
        print("outbox: page and on-call DM after a production failure")
        print("  empty outbox:                                 page \(ms(baseline.page)), DM \(ms(baseline.dm))")
        print(
            "  \(posts) channel posts queued, \(hangers) hanging response_urls: page \(ms(busy.page)), DM \(ms(busy.dm))"
        )
        print(
            "  ratio busy/empty: page \(ratio(busy.page, baseline.page)), DM \(ratio(busy.dm, baseline.dm)); "
                + "target: both leave within 2 s")
    }

    static func ms(_ seconds: Double) -> String { "\(Int((seconds * 1000).rounded())) ms" }

    static func ratio(_ value: Double, _ base: Double) -> String {
        let tenths = Int((value / max(base, 0.001) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)×"
    }

    /// Seconds from queueing the failure's messages to PagerDuty and Slack receiving them.
    static func measure(posts: Int, hangers: Int) async throws -> (page: Double, dm: Double) {
        let directory = NSTemporaryDirectory() + "slipway-bench-outbox-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(path: directory + "/slipway.sqlite")
        let slack = try FakeSlack()
        let pagerDuty = try FakePagerDuty()
        let hanging = try FakeHangingEndpoint(threads: max(2, hangers * 2), maxHold: 20)
        defer {
            hanging.stop()
            slack.stop()
            pagerDuty.stop()
        }
        let http = CurlHTTPClient()
        let wake = Wakeup()
        let deliverer = OutboxDeliverer(
            configuration: .init(
                deployChannel: "C0DEPLOYS", channelPaceSeconds: 1,
                pagerDutyRoutingKey: FakePagerDuty.exampleRoutingKey, runbooksBaseURL: "https://runbooks.example"),
            store: store, slack: SlackWebClient(httpClient: http, token: slack.token, baseURL: slack.baseURL),
            pagerDuty: PagerDutyClient(httpClient: http, eventsURL: pagerDuty.eventsURL),
            renderer: DeployMessageRenderer(runbooksBaseURL: "https://runbooks.example", onCall: ["U0ONCALL"]),
            clock: { Date() }, wake: wake, metrics: Metrics(), log: Log(minimum: .error, sink: LogCapture()))
        let now = Date()
        try store.write { w in
            for i in 0..<posts {
                let post = OutboxPayload(channel: "C0DEPLOYS", message: SlackMessage(text: "post \(i)", blocks: []))
                try w.enqueue(
                    OutboxMessage(
                        key: "post-\(i)", deployId: nil, target: .channelMessage, payload: json(post),
                        createdAt: now))
            }
            let reply = json(OutboxPayload(message: SlackMessage(text: "ok", blocks: [])))
            for i in 0..<hangers {
                try w.enqueue(
                    OutboxMessage(
                        key: "reply-\(i)", deployId: nil, target: .response(ResponseURL(hanging.url("\(i)"))),
                        payload: reply, createdAt: now))
            }
        }
        let running = Task { await deliverer.run() }
        defer { running.cancel() }
        // The failure comes a moment after the queue built up, as in the field.
        try await Task.sleep(nanoseconds: 300_000_000)
        var failed = Deploy(
            id: "d-bench", service: "shop", environment: "prod", kind: .deploy, source: .slack,
            targetTag: "main-bad0001", requestedBy: "U0ALICE", createdAt: Date())
        failed.state = .failed
        failed.failure = FailureRecord(cause: "memory_limit", title: "Out of memory", summary: "OOMKilled")
        let failedAt = Date()
        try store.write { w in
            try w.insert(failed)
            try w.enqueue(
                OutboxMessage(
                    key: "d-bench:page", deployId: failed.id, target: .pageTrigger,
                    payload: json(OutboxPayload(deployId: failed.id)), createdAt: failedAt))
            try w.enqueue(
                OutboxMessage(
                    key: "d-bench:dm", deployId: failed.id, target: .directMessage,
                    payload: json(OutboxPayload(deployId: failed.id, user: "U0ONCALL")), createdAt: failedAt))
        }
        wake.signal()  // as the deploy coordinator does after queueing
        var page: Date?
        var dm: Date?
        let deadline = Date().addingTimeInterval(60)
        while (page == nil || dm == nil) && Date() < deadline {
            page = page ?? pagerDuty.acceptedEvents.first?.receivedAt
            dm =
                dm
                ?? slack.succeededCalls(method: "chat.postMessage").first {
                    $0.string("channel")?.hasPrefix("D") == true
                }?.receivedAt
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        hanging.release()
        running.cancel()
        _ = await running.result
        guard let page, let dm else { throw BenchFailure("the page or the DM did not leave within 60 s") }
        return (page.timeIntervalSince(failedAt), dm.timeIntervalSince(failedAt))
    }

    static func json(_ payload: OutboxPayload) -> String {
        String(decoding: (try? JSONEncoder().encode(payload)) ?? Data(), as: UTF8.self)
    }

    struct BenchFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
