import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwayTesting
import Testing

@testable import SlipwayApp

/// The outbox on a bad day: a store that cannot be written, destinations that hang, a queue of channel posts.
@Suite("Outbox faults: an unwritable store, hanging destinations, queued channel posts", .harnessScope)
struct OutboxFaultTests {
    @Test(
        "while the store cannot record deliveries, on-call gets one DM and one page, not dozens; /ready is 503 and the error metric counts until it recovers by itself"
    )
    func unwritableStoreNeverRepeatsADelivery() async throws {
        Self.shareSQLiteFiles()
        let h = try SlipwayHarness()
        let database = h.directory + "/slipway.sqlite"
        h.startServices()
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
        try h.recordSucceeded("shop", "staging", tag: "main-bad0001")
        _ = try await h.reply("/deploy shop prod main-bad0001")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(await h.waitUntil { try h.app.store.read { r in try r.outboxCount(status: .pending) } == 0 })
        // From here SQLite itself refuses the outbox's bookkeeping writes (as with a full disk), while the deploy
        // goes on and queues its messages.
        try Self.sqlite(database, Self.freeze)
        _ = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .failed })
        #expect(await h.waitUntil { !Self.triggers(h).isEmpty && !Self.directMessages(h).isEmpty })
        // Before the fix, each was sent again at once, dozens of times in these seconds.
        try await Task.sleep(nanoseconds: 3_000_000_000)
        #expect(Self.triggers(h).count == 1)
        #expect(Self.directMessages(h).count == 1)
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 1)
        let ready = try await h.send(.get, "/ready")
        #expect(ready.status == 503)
        #expect(String(decoding: ready.body, as: UTF8.self).contains("store_unwritable"))
        #expect(try await Self.storeErrors(h) > 0)
        #expect(try h.app.store.read { r in try r.outboxCount(status: .pending) } > 0)

        try Self.sqlite(database, "DROP TRIGGER frozen_outbox;")
        #expect(
            await h.waitUntil(timeout: 60) { try h.app.store.read { r in try r.outboxCount(status: .pending) } == 0 })
        var readyAgain = false
        for _ in 0..<100 where !readyAgain {
            readyAgain = (try? await h.send(.get, "/ready").status) == 200
            if !readyAgain { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(readyAgain)
        #expect(Self.triggers(h).count == 1)
        #expect(Self.directMessages(h).count == 1)
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 1)
        #expect(try h.app.store.read { r in try r.outboxCount(status: .failed) } == 0)
    }

    @Test("store errors are logged once a minute with a count, not once per attempt, and their end is logged")
    func storeErrorsAreLoggedOncePerPeriod() async throws {
        let directory = try Self.temporaryDirectory("slipway-outbox-store-errors")
        let store = ObservedStore(try SQLiteStore(path: directory + "/slipway.sqlite", processAccess: .shared))
        let slack = try FakeSlack()
        defer { slack.stop() }
        let capture = LogCapture()
        let deliverer = Self.deliverer(store: store, slack: slack, pagerDuty: nil, log: capture)
        let reply = OutboxPayload(message: SlackMessage(text: "Deploy requested", blocks: [])).encoded()
        try store.write { w in
            for i in 0..<5 {
                try w.enqueue(
                    OutboxMessage(
                        key: "reply-\(i)", deployId: nil, target: .response(ResponseURL(slack.responseURL("\(i)"))),
                        payload: reply, createdAt: Date()))
            }
        }
        try Self.sqlite(directory + "/slipway.sqlite", Self.freeze)
        let running = Task { await deliverer.run() }
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let errorLines = capture.records.filter { $0.level == .error }
        #expect(errorLines.count == 1, "\(errorLines.map(\.message))")
        #expect(errorLines.first?.message.contains("outbox store failed") == true)
        #expect(slack.calls(method: "response_url").count == 5)
        #expect(store.isWriteFailing && store.errorCount >= 2)

        try Self.sqlite(directory + "/slipway.sqlite", "DROP TRIGGER frozen_outbox;")
        let recovered = await Self.waitUntil(timeout: 40) {
            try store.read { r in try r.outboxCount(status: .pending) } == 0
        }
        running.cancel()
        await running.value
        #expect(recovered)
        #expect(slack.calls(method: "response_url").count == 5)
        #expect(!store.isWriteFailing)
        #expect(capture.records.contains { $0.message.contains("outbox store works again") })
    }

    @Test(
        "with 30 channel posts queued and 3 hanging response_urls, a production failure's page and on-call DM go out while the hangers still hang"
    )
    func lanesDoNotWaitForEachOther() async throws {
        let directory = try Self.temporaryDirectory("slipway-outbox-lanes")
        let store = ObservedStore(try SQLiteStore(path: directory + "/slipway.sqlite", processAccess: .shared))
        let slack = try FakeSlack()
        let pagerDuty = try FakePagerDuty()
        let hanging = try FakeHangingEndpoint()
        defer {
            hanging.stop()
            slack.stop()
            pagerDuty.stop()
        }
        let capture = LogCapture()
        let deliverer = Self.deliverer(store: store, slack: slack, pagerDuty: pagerDuty, pace: 1, log: capture)
        let now = Date()
        var failed = Deploy(
            id: "d-failed", service: "shop", environment: "prod", kind: .deploy, source: .slack,
            targetTag: "main-bad0001", requestedBy: "U0ALICE", createdAt: now)
        failed.state = .failed
        failed.failure = FailureRecord(
            cause: "memory_limit", title: "Out of memory", summary: "OOMKilled", runbook: "memory-limits.md")
        try store.write { w in
            try w.insert(failed)
            for i in 0..<30 {
                let post = OutboxPayload(
                    channel: "C0DEPLOYS", message: SlackMessage(text: "announcement \(i)", blocks: []))
                try w.enqueue(
                    OutboxMessage(
                        key: "post-\(i)", deployId: nil, target: .channelMessage, payload: post.encoded(),
                        createdAt: now.addingTimeInterval(Double(i) * 0.001)))
            }
            let reply = OutboxPayload(message: SlackMessage(text: "ok", blocks: [])).encoded()
            for i in 0..<3 {
                try w.enqueue(
                    OutboxMessage(
                        key: "reply-\(i)", deployId: nil, target: .response(ResponseURL(hanging.url("\(i)"))),
                        payload: reply, createdAt: now.addingTimeInterval(0.1)))
            }
            let later = now.addingTimeInterval(0.2)
            try w.enqueue(
                OutboxMessage(
                    key: "d-failed:page", deployId: failed.id, target: .pageTrigger,
                    payload: OutboxPayload(deployId: failed.id).encoded(), createdAt: later))
            try w.enqueue(
                OutboxMessage(
                    key: "d-failed:dm", deployId: failed.id, target: .directMessage,
                    payload: OutboxPayload(deployId: failed.id, user: "U0ONCALL").encoded(), createdAt: later))
        }
        let running = Task { await deliverer.run() }
        let sent = await Self.waitUntil(timeout: 20) {
            pagerDuty.acceptedEvents.count == 1
                && slack.succeededCalls(method: "chat.postMessage").contains {
                    $0.string("channel") == "D0ONCALL"
                }
        }
        let hangersAnswered = hanging.answeredCount
        let postsBefore = slack.calls(method: "chat.postMessage").filter { $0.string("channel") == "C0DEPLOYS" }.count
        hanging.release()
        running.cancel()
        await running.value
        #expect(sent, "\(capture.lines(.text).filter { !$0.contains("response_url") }.prefix(10))")
        // The page and DM did not wait for the hangers, nor for the queued posts (paced one a second).
        #expect(hanging.receivedCount >= 3)
        #expect(hangersAnswered == 0)
        #expect(postsBefore < 10, "\(postsBefore) channel posts went out before the page and DM")
        let page = try #require(pagerDuty.acceptedEvents.first)
        #expect(page.dedupKey == "d-failed")
    }

    @Test(
        "a chat.postMessage that times out before, while or after Slack accepts it leaves one deploy message",
        arguments: [
            FakeSlack.Delay.dropAfter(seconds: 1.5), .acceptAfter(seconds: 1.5), .answerAfter(seconds: 1.5),
        ])
    func ambiguousPostLeavesOneMessage(_ delay: FakeSlack.Delay) async throws {
        let directory = try Self.temporaryDirectory("slipway-outbox-ambiguous")
        let store = ObservedStore(try SQLiteStore(path: directory + "/slipway.sqlite", processAccess: .shared))
        let slack = try FakeSlack()
        defer { slack.stop() }
        let capture = LogCapture()
        let deliverer = Self.deliverer(store: store, slack: slack, pagerDuty: nil, slackTimeout: 1, log: capture)
        let deploy = Deploy(
            id: "d-ambiguous", service: "shop", environment: "staging", kind: .deploy, source: .ci,
            targetTag: "main-a1b2c3d", requestedBy: "ci", createdAt: Date().addingTimeInterval(-1))
        try store.write { w in
            try w.insert(deploy)
            try w.enqueue(
                OutboxMessage(
                    key: "d-ambiguous:requested", deployId: deploy.id, target: .deployMessage,
                    payload: OutboxPayload(deployId: deploy.id).encoded(), orderingKey: deploy.id,
                    createdAt: Date()))
        }
        slack.delayNext(method: "chat.postMessage", delay)
        let delivered = await Self.waitUntil(timeout: 30) {
            try store.read { r in try r.outboxCount(status: .pending) } == 0
        } poll: {
            await deliverer.deliverDue()
        }
        #expect(delivered, "\(capture.lines(.text))")
        // Whatever Slack had accepted before the retry, the channel shows the deploy once.
        try await Task.sleep(nanoseconds: 600_000_000)
        let posted = slack.postedMessages(channel: "C0DEPLOYS")
        #expect(posted.count == 1)
        let ref = try #require(try store.read { r in try r.deploy(id: deploy.id) }?.message)
        #expect(posted.map(\.ts) == [ref.ts])
        let metadata = posted.first?.message["metadata"] as? [String: Any]
        #expect(metadata?["event_type"] as? String == "slipway_deploy")
        #expect((metadata?["event_payload"] as? [String: Any])?["deploy_id"] as? String == deploy.id)
        #expect(slack.calls(method: "conversations.history").count == 1)
    }

    // MARK: Support

    /// SQLite refuses every change to outbox rows, as it would with a full disk; new messages can still be queued.
    static let freeze = """
        CREATE TRIGGER frozen_outbox BEFORE UPDATE ON outbox
        BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END;
        """

    /// The `sqlite3` shell opens the store's file next to the app, which by default keeps it to itself ("database is
    /// locked"). Process-wide, as `CrashRecoveryTests` sets it; these tests passed only when that suite ran first.
    static func shareSQLiteFiles() { setenv("SLIPWAY_SQLITE_SHARED", "1", 1) }

    /// Runs SQL on the database file through the `sqlite3` shell, a second connection next to the app's.
    static func sqlite(_ path: String, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-cmd", ".timeout 10000", path, sql]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "sqlite3 failed: \(sql)")
    }

    static func temporaryDirectory(_ prefix: String) throws -> String {
        let directory = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        TestScope.removeOnExit(directory)
        return directory
    }

    static func deliverer(
        store: any Store, slack: FakeSlack, pagerDuty: FakePagerDuty?, pace: Double = 0, slackTimeout: Double = 10,
        log: LogCapture
    ) -> OutboxDeliverer {
        let http = CurlHTTPClient()
        return OutboxDeliverer(
            configuration: .init(
                deployChannel: "C0DEPLOYS", channelPaceSeconds: pace,
                pagerDutyRoutingKey: FakePagerDuty.exampleRoutingKey, runbooksBaseURL: "https://runbooks.example",
                responseURLTimeoutSeconds: 2),
            store: store,
            slack: SlackWebClient(
                httpClient: http, token: slack.token, baseURL: slack.baseURL, timeout: slackTimeout),
            pagerDuty: pagerDuty.map { PagerDutyClient(httpClient: http, eventsURL: $0.eventsURL) },
            renderer: DeployMessageRenderer(runbooksBaseURL: "https://runbooks.example", onCall: []),
            clock: { Date() }, wake: Wakeup(), metrics: Metrics(), log: Log(minimum: .debug, sink: log))
    }

    static func triggers(_ h: SlipwayHarness) -> [FakePagerDuty.Event] {
        h.pagerDuty.events.filter { $0.eventAction == "trigger" }
    }

    static func directMessages(_ h: SlipwayHarness) -> [FakeSlack.Call] {
        h.slack.calls(method: "chat.postMessage").filter { $0.string("channel")?.hasPrefix("D") == true }
    }

    static func storeErrors(_ h: SlipwayHarness) async throws -> Int {
        let metrics = String(decoding: try await h.send(.get, "/metrics").body, as: UTF8.self)
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("slipway_store_errors_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    static func waitUntil(
        timeout: Double, _ condition: () throws -> Bool, poll: () async -> Void = {}
    ) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            await poll()
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return (try? condition()) == true
    }
}
