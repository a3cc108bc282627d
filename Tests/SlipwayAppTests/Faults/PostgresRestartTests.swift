import DeployCore
import Foundation
import SlipwayTesting
import Testing

extension Faults {
    /// PostgreSQL restarts under a running Slipway (an upgrade, a failover, an operator's restart): Slipway
    /// reconnects by itself, the deploy in flight ends once and nothing accepted before the restart is lost.
    /// The test restarts a private server of its own, never the one the other tests share.
    @Suite("Faults: PostgreSQL restarts during operation", .serialized, .harnessScope, .tags(.faults))
    struct PostgresRestart {
        @Test(
            "PostgreSQL stops for 2 s mid-rollout: Slipway recovers, the deploy ends once, accepted work is kept",
            .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
        func restartMidRollout() async throws {
            let postgres = try PrivatePostgres()
            TestScope.onExit { postgres.remove() }
            let h = try SlipwayHarness(databaseURL: postgres.url)
            h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
            h.startServices()
            #expect(await h.waitUntil(timeout: 15) { h.app.leadership.isLeader })

            // Accepted before the restart: a deploy mid-rollout and a CI webhook for api.
            let reply = try await h.reply("/deploy shop staging main-9e57a87")
            #expect(reply.text.contains("main-9e57a87"), "\(reply.text)")
            let deploy = try #require(try h.latestDeploy("shop", "staging"))
            let built = try await h.imageBuilt([
                "repo": "nortinia-ltd/api", "sha": String(repeating: "a", count: 40), "tag": "main-a11a11a",
                "env": "staging",
            ])
            #expect((200..<300).contains(built.status), "\(built.bodyText)")
            #expect(
                await h.waitUntil(timeout: 20) {
                    let stored = try h.deploy(deploy.id)
                    return stored?.state == .rollingOut && stored?.message != nil
                })

            try postgres.stop()
            try await Task.sleep(nanoseconds: 2_000_000_000)
            h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
            try postgres.start()

            // Slipway reconnects by itself: it answers again and leads again.
            let ready = await Faults.waitUntil(timeout: 30) { try await h.send(.get, "/ready").status == 200 }
            #expect(ready, "/ready answers 200 again after the restart")
            #expect(await h.waitUntil(timeout: 30) { h.app.leadership.isLeader }, "the replica leads again")
            let inFlightSucceeded = await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded }
            let inFlightState = try h.deploy(deploy.id).map { "\($0.state.rawValue) \($0.note ?? "")" } ?? "missing"
            #expect(inFlightSucceeded, "the deploy in flight succeeds; it is \(inFlightState)")
            let api = await h.waitUntil(timeout: 30) {
                let latest = try h.latestDeploy("api", "staging")
                return latest?.targetTag == "main-a11a11a" && latest?.state == .succeeded
            }
            #expect(api, "the deploy the CI webhook asked for before the restart was carried out")

            // New work after the restart (this rollout is not held).
            h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .succeed)
            let after = try await h.reply("/deploy shop staging main-af7e0af")
            #expect(after.text.contains("main-af7e0af"), "\(after.text)")
            let next = try #require(try h.latestDeploy("shop", "staging"))
            #expect(next.id != deploy.id)
            let nextSucceeded = await h.waitUntil(timeout: 30) { try h.deploy(next.id)?.state == .succeeded }
            let nextState = try h.deploy(next.id).map { "\($0.state.rawValue) \($0.note ?? "")" } ?? "missing"
            #expect(nextSucceeded, "a deploy after the restart succeeds; it is \(nextState)")
            #expect(
                await h.waitUntil(timeout: 20) {
                    CrashRecoveryTests.slackWrites(h.slack, deploy.id).green >= 1
                        && CrashRecoveryTests.slackWrites(h.slack, next.id).green >= 1
                })
            try await Task.sleep(nanoseconds: 1_000_000_000)

            let changes = try CrashRecoveryTests.stateChanges(h.app.store, deploy.id)
            #expect(changes.filter { $0 == "state:succeeded" }.count == 1, "\(changes)")
            #expect(try GitOpsRemoteUnavailable.commits(carrying: deploy.id, in: h.git) == 1)
            #expect(CrashRecoveryTests.slackWrites(h.slack, deploy.id).posts == 1, "one message for the deploy")
            #expect(CrashRecoveryTests.slackWrites(h.slack, next.id).posts == 1)
        }
    }
}
