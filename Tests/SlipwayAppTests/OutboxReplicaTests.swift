import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import SlipwayTesting
import Testing

@testable import SlipwayApp

/// Two replicas that both believe they lead (a leadership overlap) share one PostgreSQL outbox.
@Suite("Outbox with two replicas on PostgreSQL", .harnessScope)
struct OutboxReplicaTests {
    @Test(
        "two deliverers running on one database deliver each message once",
        .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
    func overlappingLeadersDeliverEachMessageOnce() async throws {
        let database = try TestPostgres.makeDatabase()
        defer { database.drop() }
        let first = try PostgresStore(url: database.url)
        let second = try PostgresStore(url: database.url)
        let slack = try FakeSlack()
        let pagerDuty = try FakePagerDuty()
        defer {
            slack.stop()
            pagerDuty.stop()
        }
        let now = Date()
        var failed: [Deploy] = []
        for i in 0..<5 {
            var deploy = Deploy(
                id: "d-\(i)", service: "shop", environment: "prod", kind: .deploy, source: .slack,
                targetTag: "main-bad000\(i)", requestedBy: "U0ALICE", createdAt: now)
            deploy.state = .failed
            deploy.failure = FailureRecord(cause: "memory_limit", title: "Out of memory", summary: "OOMKilled")
            failed.append(deploy)
        }
        try first.write { w in
            for deploy in failed {
                try w.insert(deploy)
                try w.enqueue(
                    OutboxMessage(
                        key: "\(deploy.id):page", deployId: deploy.id, target: .pageTrigger,
                        payload: OutboxPayload(deployId: deploy.id).encoded(), createdAt: now))
            }
            for i in 0..<30 {
                let reply = OutboxPayload(message: SlackMessage(text: "reply \(i)", blocks: [])).encoded()
                try w.enqueue(
                    OutboxMessage(
                        key: "reply-\(i)", deployId: nil, target: .response(ResponseURL(slack.responseURL("r\(i)"))),
                        payload: reply, createdAt: now))
            }
        }
        // Each answer takes a moment, so the replicas' deliveries overlap.
        for _ in 0..<60 { slack.delayNext(method: "response_url", .answerAfter(seconds: 0.1)) }
        let replicas = [first, second].map { store in
            OutboxFaultTests.deliverer(store: store, slack: slack, pagerDuty: pagerDuty, log: LogCapture())
        }
        let running = replicas.map { deliverer in Task { await deliverer.run() } }
        let drained = await OutboxFaultTests.waitUntil(timeout: 60) {
            try first.read { r in try r.outboxCount(status: .pending) } == 0
        }
        // A second delivery would come right after the first: give it the time to show.
        try await Task.sleep(nanoseconds: 500_000_000)
        for task in running { task.cancel() }
        for task in running { await task.value }
        #expect(drained)
        let replies = slack.calls(method: "response_url").map(\.path)
        #expect(replies.count == 30)
        #expect(Set(replies).count == 30)
        let pages = pagerDuty.events.compactMap(\.dedupKey)
        #expect(pages.sorted() == failed.map(\.id).sorted())
        #expect(try first.read { r in try r.outboxCount(status: .delivered) } == 35)
    }
}
