import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// Emergencies, locks and freezes end to end: real server, store and git, fake Slack and cluster.
@Suite("Emergencies, locks and freezes end to end", .harnessScope)
struct DeployGuardRailFlowTests {
    static func image(_ tag: String, sha: String, env: String = "staging") -> [String: Any] {
        ["repo": "nortinia-ltd/shop", "sha": sha, "tag": tag, "env": env, "author": ["name": "Carol"]]
    }

    @Test("--emergency passes the promotion gates but needs an approver, also where deploys need none; audit says so")
    func emergency() async throws {
        let h = try SlipwayHarness()
        let prod = try await h.reply("/deploy shop prod main-f1x0001 --emergency checkout is down")
        #expect(prod.text.contains("Emergency"), "\(prod.text)")
        #expect(prod.text.contains("checkout is down"), "\(prod.text)")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        #expect(deploy.state == .awaitingApproval)
        #expect(deploy.targetTag == "main-f1x0001")
        let audit = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }
        #expect(audit.contains { $0.action == "emergency" && $0.detail == "checkout is down" })
        let own = try await h.click(actionId: ActionID.approve, value: deploy.approval!.token, user: "U0ALICE")
        #expect(own.bodyText.contains("someone else must approve"))

        let staging = try await h.reply("/deploy shop staging main-f1x0001 --emergency hotfix")
        #expect(staging.text.contains("Waiting for an approver"), "\(staging.text)")
        #expect(try h.latestDeploy("shop", "staging")?.state == .awaitingApproval)

        _ = try await h.reply("/deploy lock shop staging incident")
        let locked = try await h.reply("/deploy shop staging main-f1x0002 --emergency hotfix", user: "U0BOB")
        #expect(locked.text.contains("is locked by <@U0ALICE>"), "\(locked.text)")
        let missing = try await h.reply("/deploy shop staging main-f1x0002 --emergency")
        #expect(missing.text.contains("needs a reason"), "\(missing.text)")
    }

    @Test("unlock deploys the newest CI image the lock blocked")
    func unlockDeploysNewestBlocked() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.reply("/deploy lock shop staging database migration")
        _ = try await h.imageBuilt(Self.image("main-1111111", sha: "1111111aaaa"))
        _ = try await h.imageBuilt(Self.image("main-2222222", sha: "2222222aaaa"))
        #expect(try h.latestDeploy("shop", "staging")?.state == .blocked)
        let unlocked = try await h.reply("/deploy unlock shop staging")
        #expect(unlocked.text.contains("Deploying the newest CI image"), "\(unlocked.text)")
        #expect(unlocked.text.contains("main-2222222"), "\(unlocked.text)")
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-2222222" })
        let released = try #require(try h.latestDeploy("shop", "staging"))
        #expect(released.source == .ci)
        #expect(released.author?.name == "Carol")
    }

    @Test("a lock with a duration lifts itself, says so in the channel, and deploys what it blocked")
    func lockExpires() async throws {
        let clock = TestClock(now: Date())
        let h = try SlipwayHarness(clock: { clock.now })
        let locked = try await h.reply("/deploy lock shop staging 2h database migration")
        #expect(locked.text.contains("lifts itself"), "\(locked.text)")
        let lock = try #require(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") })
        #expect(lock.reason == "database migration")
        #expect(lock.expiresAt == lock.lockedAt.addingTimeInterval(7200))
        _ = try await h.imageBuilt(Self.image("main-3333333", sha: "3333333aaaa"))
        clock.advance(by: 7201)
        h.startServices()
        #expect(
            await h.waitUntil {
                try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } == nil
            })
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postMessage").contains {
                    $0.bodyText.contains("expired") && $0.bodyText.contains("main-3333333")
                }
            })
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-3333333" })
    }

    @Test("an approved rollback locks the environment at once; the lock shows the requester as a mention")
    func rollbackLocksOnApproval() async throws {
        let h = try SlipwayHarness()
        try h.recordSucceeded("shop", "prod", tag: "main-0ld0ld0")
        _ = try await h.reply("/rollback shop prod main-0ld0ld0")
        let rollback = try #require(try h.latestDeploy("shop", "prod"))
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "prod") } == nil)
        _ = try await h.click(actionId: ActionID.approve, value: rollback.approval!.token, user: "U0DANA")
        // Services are not running: the rollback has not even been committed, and the lock is already there.
        #expect(try h.deploy(rollback.id)?.state == .committing)
        let lock = try #require(try h.app.store.read { r in try r.lock(service: "shop", environment: "prod") })
        #expect(lock.lockedBy == "U0ALICE")
        let status = try await h.reply("/status shop prod")
        #expect(status.text.contains("<@U0ALICE>"), "\(status.text)")
        #expect(!status.text.contains("&lt;@"), "\(status.text)")
    }

    @Test("a freeze refuses deploys with reason and end, holds CI, and unfreeze deploys the newest held image")
    func adHocFreeze() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        let notApprover = try await h.reply("/deploy freeze staging 1h release party", user: "U0MALLORY")
        #expect(notApprover.text.contains("Only those who may approve"), "\(notApprover.text)")
        let frozen = try await h.reply("/deploy freeze staging 1h release party", user: "U0DANA")
        #expect(frozen.type == "in_channel")
        #expect(frozen.text.contains("release party"), "\(frozen.text)")
        let refused = try await h.reply("/deploy shop staging main-4444444")
        #expect(refused.text.contains("frozen until"), "\(refused.text)")
        #expect(refused.text.contains("release party"), "\(refused.text)")
        let first = try await h.imageBuilt(Self.image("main-5555555", sha: "5555555aaaa"))
        #expect(first.bodyText.contains("held"), "\(first.bodyText)")
        _ = try await h.imageBuilt(Self.image("main-6666666", sha: "6666666aaaa"))
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains("held"), "\(status.text)")
        let lifted = try await h.reply("/deploy unfreeze staging", user: "U0DANA")
        #expect(lifted.type == "in_channel", "\(lifted.text)")
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-6666666" })
        let deploys = try h.app.store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 5)
        }
        #expect(deploys.first { $0.targetTag == "main-5555555" }?.state == .superseded)
        #expect(
            await h.waitUntil {
                h.slack.calls(method: "chat.postMessage").contains {
                    $0.bodyText.contains("freeze") && $0.bodyText.contains("ended")
                        && $0.bodyText.contains("main-6666666")
                }
            })
    }

    @Test("when a freeze ends by itself the newest held CI image is deployed")
    func freezeEnds() async throws {
        let clock = TestClock(now: Date())
        let h = try SlipwayHarness(clock: { clock.now })
        _ = try await h.reply("/deploy freeze all 30m release party", user: "U0DANA")
        let held = try await h.imageBuilt(Self.image("main-7777777", sha: "7777777aaaa"))
        #expect(held.bodyText.contains("held"), "\(held.bodyText)")
        // A second image at the same instant (the clock stands still, as two webhooks in one millisecond do): the
        // one that came last is the newest.
        let newer = try await h.imageBuilt(Self.image("main-8888888", sha: "8888888aaaa"))
        #expect(newer.bodyText.contains("held"), "\(newer.bodyText)")
        clock.advance(by: 1801)
        h.startServices()
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-8888888" })
        let deploys = try h.app.store.read { r in try r.recentDeploys(service: "shop", environment: "staging", limit: 5)
        }
        #expect(deploys.first { $0.targetTag == "main-7777777" }?.state == .superseded)
    }

    @Test("a weekly freeze window (fri 15:00 → mon 08:00 Europe/Berlin) refuses, holds CI, and deploys it on Monday")
    func weeklyFreezeWindow() async throws {
        // Friday 2026-12-04 16:00 in Berlin (15:00 UTC): an hour into the weekend freeze.
        let clock = TestClock(now: Date(timeIntervalSince1970: 1_796_396_400))
        let h = try SlipwayHarness(
            clock: { clock.now },
            adjust: { json in
                SlipwayHarness.editEnvironment(&json, "staging") { staging in
                    staging["freezeWindows"] = [
                        ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "Europe/Berlin", "reason": "weekend"]
                    ]
                }
            })
        let refused = try await h.reply("/deploy shop staging main-8888888")
        #expect(refused.text.contains("frozen until"), "\(refused.text)")
        #expect(refused.text.contains("weekend"), "\(refused.text)")
        let held = try await h.imageBuilt(Self.image("main-9999999", sha: "9999999aaaa"))
        #expect(held.bodyText.contains("held"), "\(held.bodyText)")
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains("Frozen until"), "\(status.text)")
        // Monday 08:00:01 in Berlin: the window is over.
        clock.advance(by: 64 * 3600 + 1)
        h.startServices()
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-9999999" })
    }

    @Test("a held image whose freeze ends while the environment is locked is blocked, and unlock deploys it")
    func freezeEndsUnderLock() async throws {
        let clock = TestClock(now: Date())
        let h = try SlipwayHarness(clock: { clock.now })
        _ = try await h.reply("/deploy freeze staging 30m release party", user: "U0DANA")
        _ = try await h.imageBuilt(Self.image("main-8888888", sha: "8888888aaaa"))
        _ = try await h.reply("/deploy lock shop staging incident")
        clock.advance(by: 1801)
        h.startServices()
        #expect(await h.waitUntil { try h.latestDeploy("shop", "staging")?.state == .blocked })
        #expect(try h.remoteTag("shop", "staging") == GitFixture.initialTag)
        let unlocked = try await h.reply("/deploy unlock shop staging")
        #expect(unlocked.text.contains("main-8888888"), "\(unlocked.text)")
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-8888888" })
    }
}
