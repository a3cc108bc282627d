import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// A captured signed Slack request replayed to another replica sharing the PostgreSQL store changes nothing.
@Suite(
    "Replayed Slack requests across replicas", .serialized, .harnessScope,
    .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
struct SlackReplayAcrossReplicasTests {
    /// Two Slipways on one fresh PostgreSQL database.
    static func replicas() throws -> (SlipwayHarness, SlipwayHarness) {
        let database = try TestPostgres.makeDatabase()
        TestScope.onExit { database.drop() }
        return (try SlipwayHarness(databaseURL: database.url), try SlipwayHarness(databaseURL: database.url))
    }

    static func deploys(_ h: SlipwayHarness) throws -> [Deploy] {
        try h.app.store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 10) }
    }

    @Test("the same signed /deploy sent to each replica in turn gives one deploy; the other answers already handled")
    func replayToTheOtherReplica() async throws {
        let (first, second) = try Self.replicas()
        let body = first.commandBody("/deploy shop staging main-1a2b3c4")
        let headers = first.slackHeaders(body)

        let original = try await first.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(original.status == 200)
        #expect(!original.bodyText.contains("already handled"), "\(original.bodyText)")
        #expect(try Self.deploys(first).count == 1)

        let replay = try await second.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(replay.status == 200)
        #expect(replay.bodyText.contains("already handled"), "\(replay.bodyText)")
        #expect(replay.bodyText.contains("ephemeral"))
        #expect(try Self.deploys(second).count == 1)
    }

    @Test("the same signed /deploy sent to both replicas at once gives one deploy")
    func sameRequestToBothAtOnce() async throws {
        let (first, second) = try Self.replicas()
        let body = first.commandBody("/deploy shop staging main-1a2b3c4")
        let headers = first.slackHeaders(body)
        async let a = first.send(.post, "/slack/commands", headers: headers, body: body)
        async let b = second.send(.post, "/slack/commands", headers: headers, body: body)
        let answers = try await [a, b]
        #expect(answers.allSatisfy { $0.status == 200 })
        #expect(answers.filter { $0.bodyText.contains("already handled") }.count == 1, "\(answers.map(\.bodyText))")
        #expect(try Self.deploys(first).count == 1)
    }

    @Test("a lock replayed to the other replica after an unlock does not lock again; a new request still does")
    func replayedLockOnTheOtherReplica() async throws {
        let (first, second) = try Self.replicas()
        let lockBody = first.commandBody("/deploy lock shop staging database migration")
        let lockHeaders = first.slackHeaders(lockBody)
        #expect(try await first.send(.post, "/slack/commands", headers: lockHeaders, body: lockBody).status == 200)
        #expect(try first.app.store.read { r in try r.lock(service: "shop", environment: "staging") } != nil)
        _ = try await first.reply("/deploy unlock shop staging")
        #expect(try first.app.store.read { r in try r.lock(service: "shop", environment: "staging") } == nil)

        let replay = try await second.send(.post, "/slack/commands", headers: lockHeaders, body: lockBody)
        #expect(replay.status == 200)
        #expect(replay.bodyText.contains("already handled"), "\(replay.bodyText)")
        #expect(try second.app.store.read { r in try r.lock(service: "shop", environment: "staging") } == nil)

        let again = try await second.reply("/deploy lock shop staging second try")
        #expect(again.type == "in_channel")
        #expect(try second.app.store.read { r in try r.lock(service: "shop", environment: "staging") } != nil)
    }

    @Test("a request that changes nothing records nothing: /status is answered on every replica")
    func readOnlyRequestsAreNotRecorded() async throws {
        let (first, second) = try Self.replicas()
        let body = first.commandBody("/deploy-status shop")
        let headers = first.slackHeaders(body)
        let one = try await first.send(.post, "/slack/commands", headers: headers, body: body)
        let other = try await second.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(!one.bodyText.contains("already handled"))
        #expect(!other.bodyText.contains("already handled"), "\(other.bodyText)")
    }
}
