import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

/// A migration Job before the application: Slipway commits the tag to the step's kustomization, asks Flux to
/// reconcile, waits for the Job, and only then commits the application's tag.
@Suite("Pre-deploy steps: migration first, then the application", .serialized, .harnessScope)
struct PreDeployStepTests {
    static let stepPath = "clusters/staging/shop-migrate/kustomization.yaml"
    static let job = "shop-migrate"

    /// A harness whose shop/staging runs a `migrate` step, with the step's files in the GitOps repository and a Flux
    /// Kustomization in the fake cluster that applies its Job.
    static func harness() throws -> SlipwayHarness {
        let h = try SlipwayHarness(adjust: { json in
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                staging["preDeploy"] = [
                    [
                        "name": "migrate", "kustomization": stepPath, "flux": ["kustomization": "shop-staging-migrate"],
                        "job": ["namespace": "shop-staging", "name": job], "timeoutSeconds": 30,
                    ]
                ]
            }
        })
        try h.git.pushFromOtherClone(
            file: stepPath,
            text: """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: shop-staging
                resources:
                  - job.yaml
                images:
                  - name: \(GitFixture.image("shop"))
                    newTag: \(GitFixture.initialTag)

                """, message: "shop: migration Job")
        h.kubernetes.linkJob(
            kustomization: "shop-staging-migrate", gitRepository: "gitops", gitDirectory: h.git.remote, path: stepPath,
            jobNamespace: "shop-staging", job: job, image: GitFixture.image("shop"))
        return h
    }

    @Test("success: the step's commit, its Job complete, then the application's commit; the deploy goes green")
    func migrationThenApplication() async throws {
        let h = try Self.harness()
        h.startServices()
        let tag = "main-5eed000"
        _ = try await h.reply("/deploy shop staging \(tag)")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let done = try #require(try h.deploy(deploy.id))
        #expect(done.state == .succeeded, "failure: \(String(describing: done.failure))")

        // The bare repository's history, newest first: the application's commit after the step's.
        let subjects = try h.git.remoteLog(format: "%s")
        let app = try #require(subjects.firstIndex { $0.hasPrefix("deploy(shop/staging): ") })
        let step = try #require(subjects.firstIndex { $0.hasPrefix("deploy(shop/staging/migrate): ") })
        #expect(app < step, "history: \(subjects)")
        #expect(try h.remoteTag("shop", "staging") == tag)
        #expect(try h.git.remoteFile(Self.stepPath).contains("newTag: \(tag)"))

        // The Job ran the new image and completed; the application's commit came after it.
        let job = try #require(
            h.kubernetes.object(K8s.Job.self, "jobs", namespace: "shop-staging", name: Self.job))
        #expect(job.images == ["\(GitFixture.image("shop")):\(tag)"])
        #expect(job.condition("Complete")?.isTrue == true)
        let appCommitTime = try h.git.remoteGit(["log", "-1", "--format=%ct", "main"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let completed = try #require(job.status?.completionTime.flatMap { K8s.Timestamp.parse($0) })
        // Both are whole seconds (git's %ct truncates, the RFC 3339 stamp may round up): allow that one second.
        #expect(Double(appCommitTime)! + 1 >= completed.timeIntervalSince1970.rounded(.down))

        // The live message showed the step while it ran (recorded as progress in the audit trail).
        let details = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }.map(\.detail)
        #expect(details.contains { $0.contains("pre-deploy `migrate`: Job shop-staging/shop-migrate") }, "\(details)")
        #expect(details.contains { $0.contains("pre-deploy `migrate` ✓") })
    }

    @Test("failure: the deploy fails with the Job's cause and its pod's last 20 log lines, escaped; no app commit")
    func migrationFails() async throws {
        let h = try Self.harness()
        let logs =
            (1...25).map { String(format: "step-%02d applying 0042_orders", $0) } + [
                "ERROR: column \"total\" <!channel> & friends does not exist"
            ]
        h.kubernetes.scriptJob(namespace: "shop-staging", job: Self.job, outcome: .fail(exitCode: 1), logs: logs)
        h.startServices()
        let before = try h.git.remoteHead()
        _ = try await h.reply("/deploy shop staging main-bad0c0d")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let failed = try #require(try h.deploy(deploy.id))
        #expect(failed.state == .failed)
        let failure = try #require(failed.failure)
        #expect(failure.cause == "migration_failed")
        #expect(failure.title == "Pre-deploy step `migrate` failed")
        #expect(failure.runbook == "migration-failed.md")
        #expect(failure.summary.contains("Job shop-staging/shop-migrate failed (BackoffLimitExceeded)"))
        #expect(failure.summary.contains("The application was not deployed"))
        #expect(failure.summary.contains("Last 20 log lines of pod shop-migrate-"))
        #expect(failure.summary.contains("step-07 applying"))
        #expect(!failure.summary.contains("step-06 applying"), "at most 20 lines")
        #expect(failure.summary.contains("ERROR: column"))

        // The application was not touched: only the step's commit was pushed.
        let subjects = try h.git.remoteLog(format: "%s")
        #expect(subjects.first?.hasPrefix("deploy(shop/staging/migrate): ") == true, "history: \(subjects)")
        #expect(!subjects.contains { $0.hasPrefix("deploy(shop/staging): ") })
        #expect(try h.remoteTag("shop", "staging") == GitFixture.initialTag)
        #expect(try h.git.remoteGit(["rev-parse", "main~1"]).trimmingCharacters(in: .whitespacesAndNewlines) == before)
        #expect(failed.gitCommit == nil)

        // Slack shows it red, with the log lines escaped.
        #expect(
            await h.waitUntil(timeout: 15) {
                let text = ClusterWatchTests.messageText(h, deploy.id)
                return text.contains("❌") && text.contains("migration-failed.md")
            }, "message: \(ClusterWatchTests.messageText(h, deploy.id))")
        let text = ClusterWatchTests.messageText(h, deploy.id)
        #expect(text.contains("&lt;!channel&gt; &amp; friends"))
        #expect(!text.contains("<!channel>"))
        // The database may be half-migrated: on-call gets the DM as for any failure that reached the cluster.
        #expect(await h.waitUntil(timeout: 15) { h.slack.succeededCalls(method: "conversations.open").count >= 1 })
    }
}
