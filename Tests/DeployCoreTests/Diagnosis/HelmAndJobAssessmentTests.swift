import DeployCore
import Foundation
import Testing

@Suite("HelmRelease and Job assessment: only the current generation, only this deploy's image")
struct HelmAndJobAssessmentTests {
    static func release(generation: Int, conditions: String, status: String = "") -> K8s.HelmRelease {
        try! K8s.decode(
            K8s.HelmRelease.self,
            from: #"""
                {"metadata": {"name": "shop", "namespace": "shop", "generation": \#(generation)},
                 "status": {\#(status) "conditions": [\#(conditions)]}}
                """#)
    }

    static func condition(
        _ type: String, _ status: String, _ reason: String, _ generation: Int, _ message: String = "m"
    )
        -> String
    {
        #"{"type": "\#(type)", "status": "\#(status)", "reason": "\#(reason)", "message": "\#(message)", "observedGeneration": \#(generation)}"#
    }

    @Test("a failure and rollback of the previous generation is not this deploy's: pending")
    func oldFailureIgnored() {
        let release = Self.release(
            generation: 3,
            conditions: [
                Self.condition("Ready", "Unknown", "Progressing", 3, "Running 'upgrade' action with timeout of 5m0s"),
                Self.condition("Released", "False", "UpgradeFailed", 2),
                Self.condition("Remediated", "True", "RollbackSucceeded", 2),
            ].joined(separator: ","), status: #""observedGeneration": 2,"#)
        #expect(HelmReleaseAssessment.assess(release) == .pending("Running 'upgrade' action with timeout of 5m0s"))
    }

    @Test("ready only once the current generation is released")
    func ready() {
        let stale = Self.release(
            generation: 3, conditions: Self.condition("Ready", "True", "UpgradeSucceeded", 2),
            status: #""observedGeneration": 2,"#)
        #expect(HelmReleaseAssessment.assess(stale) != .ready)
        let current = Self.release(
            generation: 3, conditions: Self.condition("Ready", "True", "UpgradeSucceeded", 3),
            status: #""observedGeneration": 3,"#)
        #expect(HelmReleaseAssessment.assess(current) == .ready)
    }

    @Test("an install failure uninstalled by Flux names both")
    func installFailure() {
        let release = Self.release(
            generation: 1,
            conditions: [
                Self.condition("Released", "False", "InstallFailed", 1, "Helm install failed for release shop/shop"),
                Self.condition("Remediated", "True", "UninstallSucceeded", 1, "Helm uninstall succeeded"),
            ].joined(separator: ","), status: #""lastAttemptedReleaseAction": "install","#)
        guard case .failed(let failure) = HelmReleaseAssessment.assess(release) else {
            Issue.record("not failed")
            return
        }
        #expect(failure.title == "Helm install failed")
        #expect(failure.summary.contains("InstallFailed: Helm install failed for release shop/shop."))
        #expect(failure.summary.contains("Flux uninstalled the failed release: Helm uninstall succeeded."))
        #expect(FailureCause.helmRelease(failure).runbook == "helm-release-failed.md")
    }

    static func job(image: String, status: String) -> K8s.Job {
        try! K8s.decode(
            K8s.Job.self,
            from: #"""
                {"metadata": {"name": "m", "namespace": "s", "uid": "u"},
                 "spec": {"template": {"spec": {"containers": [{"name": "migrate", "image": "\#(image)"}]}}},
                 "status": \#(status)}
                """#)
    }

    @Test("the previous run's Job (another image) says nothing; this deploy's completes or fails")
    func jobs() {
        let failedOld = Self.job(
            image: "shop:old", status: #"{"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}"#)
        #expect(JobAssessment.assess(failedOld, expectedImage: "shop:new") == .waitingForFlux)
        #expect(JobAssessment.assess(nil, expectedImage: "shop:new") == .waitingForFlux)
        let running = Self.job(image: "shop:new", status: #"{"active": 1}"#)
        #expect(JobAssessment.assess(running, expectedImage: "shop:new") == .running("running (1 pod)"))
        let complete = Self.job(
            image: "shop:new", status: #"{"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}"#)
        #expect(JobAssessment.assess(complete, expectedImage: "shop:new") == .complete)
        let failed = Self.job(
            image: "shop:new",
            status:
                #"{"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}"#
        )
        #expect(
            JobAssessment.assess(failed, expectedImage: "shop:new")
                == .failed(reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit"))
    }

    @Test("a migration failure keeps at most 20 log lines, the newest")
    func logLines() {
        let failure = MigrationFailure(
            step: "migrate", job: "s/m", kind: .timedOut(seconds: 600), pod: "m-1", logLines: (1...30).map { "l\($0)" })
        #expect(failure.logLines == (11...30).map { "l\($0)" })
        #expect(failure.summary.contains("did not complete within 600 s"))
        #expect(failure.record.runbook == "migration-failed.md")
        #expect(failure.title == "Pre-deploy step `migrate` timed out")
    }
}
