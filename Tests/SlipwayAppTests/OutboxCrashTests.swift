import DeployCore
import Foundation
import SlipwayHTTP
import SlipwayStore
import SlipwayTesting
import Testing

/// `slipway serve` killed with SIGKILL while its first `chat.postMessage` for a deploy is in flight, before, while
/// and after Slack accepts it: the next process finds the message by its metadata instead of posting a second one.
@Suite("Outbox: kill -9 during a deploy's first post", .serialized)
struct OutboxCrashTests {
    enum Window: String, CaseIterable, Sendable {
        /// Slack never accepts the post.
        case beforeSlackAccepts
        /// Slack accepts it while the process is dead.
        case whileSlackAccepts
        /// Slack accepted it; the answer never reached the process.
        case afterSlackAccepted

        var delay: FakeSlack.Delay {
            switch self {
            case .beforeSlackAccepts: .dropAfter(seconds: 3)
            case .whileSlackAccepts: .acceptAfter(seconds: 1.5)
            case .afterSlackAccepted: .answerAfter(seconds: 3)
            }
        }
    }

    @Test(
        "kill -9 during the first post of a deploy message: the restarted process leaves one message",
        .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
        arguments: Window.allCases)
    func killNineDuringFirstPost(_ window: Window) async throws {
        let world = try ProcessWorld()
        defer { world.remove() }
        world.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
        world.slack.delayNext(method: "chat.postMessage", window.delay)

        let first = try await world.serveReady()
        defer { first.kill() }
        let reply = try world.slashCommand("/deploy shop staging main-d1e9d1e")
        #expect(reply.contains("main-d1e9d1e"), "reply: \(reply)")
        #expect(await world.waitUntil(timeout: 20) { world.slack.heldCount == 1 })
        first.kill()
        #expect(first.exitSignal == SIGKILL)
        if window == .whileSlackAccepts {
            #expect(await world.waitUntil(timeout: 10) { world.slack.postedMessages(channel: "C0DEPLOYS").count == 1 })
        }

        let store = try SQLiteStore(path: world.storePath)
        let id = try #require(
            try store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 1) }.first?.id)
        let second = try await world.serveReady()
        defer { second.kill() }
        #expect(
            await world.waitUntil(timeout: 30) {
                try store.read { r in try r.deploy(id: id) }?.message != nil
                    && store.read { r in try r.outboxCount(status: .pending) } == 0
            })
        try await Task.sleep(nanoseconds: 500_000_000)
        second.terminate()
        let posted = world.slack.postedMessages(channel: "C0DEPLOYS").filter {
            (($0.message["metadata"] as? [String: Any])?["event_payload"] as? [String: Any])?["deploy_id"] as? String
                == id
        }
        #expect(posted.count == 1, "\(window): \(posted.count) messages for the deploy")
        #expect(posted.map(\.ts) == [try store.read { r in try r.deploy(id: id) }?.message?.ts].compactMap { $0 })
    }
}
