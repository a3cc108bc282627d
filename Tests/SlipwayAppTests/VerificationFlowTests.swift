import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

/// Verification end to end: Slipway, real git, a real Prometheus (Debian's, 1 s scrapes) scraping a metrics endpoint
/// the test controls, and the fake Kubernetes/Flux.
@Suite(
    "Deploys verified against a real Prometheus", .serialized, .harnessScope,
    .enabled(if: PrometheusServer.isInstalled, "prometheus is not installed; `make test` installs the Debian package"))
struct VerificationFlowTests {
    /// Deploys `tag` to prod: Alice asks, Dana approves.
    static func deployProd(_ h: SlipwayHarness, _ tag: String) async throws -> Deploy {
        try h.recordSucceeded("shop", "staging", tag: tag)  // promotable: it succeeded in staging
        _ = try await h.reply("/deploy shop prod \(tag)", user: "U0ALICE")
        let deploy = try #require(try h.latestDeploy("shop", "prod"))
        let token = try #require(deploy.approval?.token)
        let approved = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
        #expect(approved.status == 200)
        return deploy
    }

    /// The deploy's live message as last sent (chat.postMessage or chat.update) to the deploy channel.
    static func liveMessage(_ h: SlipwayHarness, _ deployId: String) -> String {
        h.slack.calls().filter {
            ($0.method == "chat.update" || $0.method == "chat.postMessage") && $0.bodyText.contains(deployId)
        }.last?.bodyText ?? ""
    }

    @Test("healthy metrics through the window: the deploy is green and recorded as verified with its values")
    func passes() async throws {
        let world = try await VerificationWorld()
        let h = world.harness
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .succeeded)
        #expect(stored.isVerified)
        let record = try #require(stored.verification)
        #expect(record.verdict == .passed)
        #expect(record.samples >= 2)
        #expect(record.queries == record.samples * 2)
        #expect(record.checks.map(\.name) == ["error ratio", "p99"])
        #expect(record.checks[0].values.allSatisfy { $0.hasSuffix("%") }, "\(record.checks[0].values)")
        #expect(record.checks[1].latest.map { $0 <= 0.5 } == true)
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains("verified `main-1a2b3c4`"), "\(status.text)")
        #expect(await h.waitUntil { Self.liveMessage(h, deploy.id).contains("Verified") })
        #expect(Self.liveMessage(h, deploy.id).contains("error ratio"))
        // While verifying, the live message showed each check's latest value against its limit.
        #expect(
            h.slack.calls().contains {
                $0.bodyText.contains(deploy.id) && $0.bodyText.contains("Verification* — sample 1")
                    && $0.bodyText.contains("(≤ 1%)")
            })
    }

    @Test("the error ratio rises: the deploy fails with the value against its limit, the values and the runbook")
    func errorRatioRises() async throws {
        let world = try await VerificationWorld()
        let h = world.harness
        h.startServices()
        world.metrics.set(track: "primary", errorRatio: 0.05)
        #expect(await world.waitForErrorRatio { $0 > 0.04 })
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .failed)
        #expect(!stored.isVerified)
        let failure = try #require(stored.failure)
        #expect(failure.cause == "verification_failed")
        #expect(
            failure.title.hasPrefix("Verification failed: error ratio 5% > 1% (query sum(rate("), "\(failure.title)")
        #expect(failure.summary.contains("error ratio (≤ 1%): 5%"), "\(failure.summary)")
        #expect(failure.runbook == "verification-failed.md")
        #expect(await h.waitUntil { Self.liveMessage(h, deploy.id).contains("verification-failed.md") })
        let runbook = try String(
            contentsOfFile: ConfigDocsTests.repositoryRoot + "/runbooks/verification-failed.md", encoding: .utf8)
        #expect(runbook.contains("Verification failed"))
    }

    @Test("autoRollback: a failed verification commits the last verified tag, locks the environment and pages")
    func autoRollback() async throws {
        let world = try await VerificationWorld(environment: "prod", autoRollback: true)
        let h = world.harness
        h.startServices()
        let good = try await Self.deployProd(h, "main-1a2b3c4")
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(good.id)?.state.isTerminal == true })
        #expect(try h.deploy(good.id)?.isVerified == true)

        world.metrics.set(track: "primary", errorRatio: 0.2)
        #expect(await world.waitForErrorRatio { $0 > 0.1 })
        let bad = try await Self.deployProd(h, "main-badbad1")
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(bad.id)?.state == .failed })
        // Slipway's own rollback, without approval, to the verified tag.
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "prod") == "main-1a2b3c4" })
        world.metrics.set(track: "primary", errorRatio: 0.001)
        let rollback = try #require(try h.latestDeploy("shop", "prod"))
        #expect(rollback.kind == .rollback)
        #expect(rollback.requestedBy == "slipway")
        #expect(rollback.targetTag == "main-1a2b3c4")
        #expect(rollback.approval == nil)
        let lock = try #require(try h.app.store.read { r in try r.lock(service: "shop", environment: "prod") })
        #expect(lock.reason.contains("automatic rollback of `main-badbad1` to verified `main-1a2b3c4`"))
        #expect(lock.reason.contains("Verification failed: error ratio"))
        #expect(
            await h.waitUntil {
                h.pagerDuty.acceptedEvents.contains {
                    $0.eventAction == "trigger" && $0.dedupKey?.contains(bad.id) == true
                }
            })
        // The bad tag is held: the environment stays locked, so CI and requests without `unlock` cannot put it back.
        let again = try await h.reply("/deploy shop prod main-badbad1", user: "U0ALICE")
        #expect(again.text.lowercased().contains("locked"), "\(again.text)")
    }

    @Test("autoRollback: a failed rollout (OOMKilled) also rolls back to the last verified tag at once")
    func autoRollbackOnRolloutFailure() async throws {
        let world = try await VerificationWorld(autoRollback: true)
        let h = world.harness
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let good = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(good.id)?.state.isTerminal == true })
        #expect(try h.deploy(good.id)?.isVerified == true)
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .fail(.oomKilled))
        _ = try await h.reply("/deploy shop staging main-badbad1")
        let bad = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(bad.id)?.state == .failed })
        #expect(try h.deploy(bad.id)?.failure?.cause != "verification_failed")
        #expect(await h.waitUntil(timeout: 20) { try h.remoteTag("shop", "staging") == "main-1a2b3c4" })
        let rollback = try #require(try h.latestDeploy("shop", "staging"))
        #expect(rollback.kind == .rollback && rollback.requestedBy == "slipway")
        let lock = try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") }
        #expect(lock?.reason.contains("automatic rollback of `main-badbad1`") == true)
    }

    @Test("no data at the end of the window: approvers (a user group's members too) decide; others are refused")
    func inconclusive() async throws {
        let world = try await VerificationWorld(
            checks: [
                [
                    "name": "error ratio",
                    "prometheus": ["query": #"sum(rate(no_such_metric_total{track="$track"}[3s]))"#, "max": 0.01],
                ]
            ], approvers: ["U0DANA", "S0SRE"])
        let h = world.harness
        h.slack.setUsergroup("S0SRE", members: ["U0SRE1"])
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 40) { try h.deploy(deploy.id)?.verification?.verdict == .inconclusive })
        #expect(try h.deploy(deploy.id)?.state == .verifying)
        #expect(
            await h.waitUntil {
                let text = Self.liveMessage(h, deploy.id)
                return text.contains(ActionID.verificationPass) && text.contains(ActionID.verificationRollback)
                    && text.contains("no data")
            }, "\(Self.liveMessage(h, deploy.id))")
        let outsider = try await h.click(actionId: ActionID.verificationPass, value: deploy.id, user: "U0MALLORY")
        #expect(outsider.bodyText.contains("Only approvers"), "\(outsider.bodyText)")
        #expect(try h.deploy(deploy.id)?.state == .verifying)
        // U0SRE1 is not listed, but is a member of the approver group S0SRE.
        let decided = try await h.click(actionId: ActionID.verificationPass, value: deploy.id, user: "U0SRE1")
        #expect(decided.bodyText.contains("as verified"), "\(decided.bodyText)")
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .succeeded)
        #expect(stored.isVerified)
        #expect(stored.verification?.verdict == .treatedAsPassed)
        #expect(stored.verification?.decidedBy == "U0SRE1")
    }
}

@Suite(
    "Canary without a controller, verified against a real Prometheus", .serialized, .harnessScope,
    .enabled(if: PrometheusServer.isInstalled, "prometheus is not installed; `make test` installs the Debian package"))
struct CanaryFlowTests {
    static let primary = GitFixture.kustomization("shop", "staging")

    func world() async throws -> VerificationWorld {
        let world = try await VerificationWorld(canary: VerificationWorld.canaryConfig)
        try world.prepareCanary()
        world.harness.startServices()
        return world
    }

    @Test("a healthy canary: the canary is committed first, then the primary, and the deploy is verified")
    func canaryPasses() async throws {
        let world = try await world()
        let h = world.harness
        let primaryBefore = try world.commits(touching: Self.primary)
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 60) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .succeeded, "\(stored.failure?.title ?? stored.note ?? "")")
        #expect(stored.isVerified)
        #expect(stored.note?.contains("canary passed") == true)
        #expect(try world.remoteTag(file: VerificationWorld.canaryKustomization) == "main-1a2b3c4")
        #expect(try h.remoteTag("shop", "staging") == "main-1a2b3c4")
        // Two commits, the canary's first: the primary's commit is the canary's child.
        let canaryCommit = try #require(try world.commits(touching: VerificationWorld.canaryKustomization).first)
        let primaryCommit = try #require(try world.commits(touching: Self.primary).first)
        #expect(try world.commits(touching: Self.primary).count == primaryBefore.count + 1)
        #expect(
            try h.git.remoteGit(["rev-parse", "\(primaryCommit)^"]).trimmingCharacters(in: .whitespacesAndNewlines)
                == canaryCommit)
        #expect(stored.gitCommit == primaryCommit)
        // The live message showed the canary's progress.
        #expect(h.slack.calls().contains { $0.bodyText.contains(deploy.id) && $0.bodyText.contains("→ primary") })
    }

    @Test("a failing canary: the canary is set back to the primary's tag and the primary is never touched")
    func canaryFails() async throws {
        let world = try await world()
        let h = world.harness
        world.metrics.set(track: "canary", errorRatio: 0.2)
        #expect(await world.waitForErrorRatio(track: "canary") { $0 > 0.1 })
        let primaryBefore = try world.commits(touching: Self.primary)
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 60) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .failed)
        #expect(stored.failure?.cause == "canary_failed")
        #expect(stored.failure?.title.hasPrefix("Verification failed: canary error ratio 20% > 1%") == true)
        #expect(
            await h.waitUntil(timeout: 20) {
                try world.remoteTag(file: VerificationWorld.canaryKustomization) == GitFixture.initialTag
            })
        #expect(try world.commits(touching: VerificationWorld.canaryKustomization).count == 3)  // add, canary, back
        // Flux is asked to apply the revert now (one reconcile request for the canary's commit, one for its revert).
        #expect(
            await h.waitUntil(timeout: 10) {
                h.kubernetes.requests().filter { $0.method == "PATCH" && $0.path.contains("/kustomizations/") }.count
                    >= 2
            })
        #expect(try world.commits(touching: Self.primary) == primaryBefore)
        #expect(try h.remoteTag("shop", "staging") == GitFixture.initialTag)
    }

    @Test("--skip-canary needs an approver and goes straight to the primary")
    func skipCanary() async throws {
        let world = try await world()
        let h = world.harness
        let refused = try await h.reply("/deploy shop staging main-1a2b3c4 --skip-canary", user: "U0ALICE")
        #expect(refused.text.contains("Only approvers"), "\(refused.text)")
        #expect(try h.latestDeploy("shop", "staging") == nil)
        _ = try await h.reply("/deploy shop staging main-1a2b3c4 --skip-canary", user: "U0DANA")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 60) { try h.deploy(deploy.id)?.state.isTerminal == true })
        #expect(try h.deploy(deploy.id)?.state == .succeeded)
        #expect(try h.remoteTag("shop", "staging") == "main-1a2b3c4")
        #expect(try world.remoteTag(file: VerificationWorld.canaryKustomization) == GitFixture.initialTag)
    }
}
