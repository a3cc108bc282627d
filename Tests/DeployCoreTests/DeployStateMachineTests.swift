import DeployCore
import Foundation
import Testing

@Suite("Deploy state machine")
struct DeployStateMachineTests {
    let machine = DeployStateMachine(policy: DeployPolicy(stabilityWindowSeconds: 300, approvalTimeoutSeconds: 1800))
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func deploy(kind: DeployKind = .deploy) -> Deploy {
        Deploy(
            id: "d-1", service: "shop", environment: "prod", kind: kind, source: .slack, targetTag: "main-5d6e7f8",
            previousTag: "main-1a2b3c4", requestedBy: "U0ALICE", createdAt: t0)
    }

    @Test("a deploy without approval runs requested → committing → reconciling → rolling_out → verifying → succeeded")
    func happyPath() throws {
        var d = deploy()
        var t = try machine.apply(
            .submit(requiresApproval: false, approvalToken: "a-x"), to: d, actor: "U0ALICE", now: t0)
        #expect(t.deploy.state == .committing)
        #expect(t.actions.contains(.commit))
        d = t.deploy
        t = try machine.apply(.committed(commit: "abc", previousTag: "main-1a2b3c4"), to: d, actor: "slipway", now: t0)
        #expect(t.deploy.state == .reconciling)
        #expect(t.deploy.gitCommit == "abc")
        #expect(t.actions == [.recordCommittedTag, .updateMessage, .reconcile])
        d = t.deploy
        t = try machine.apply(.applied, to: d, actor: "slipway", now: t0)
        #expect(t.deploy.state == .rollingOut)
        d = t.deploy
        t = try machine.apply(.rolledOut, to: d, actor: "slipway", now: t0.addingTimeInterval(60))
        #expect(t.deploy.state == .verifying)
        #expect(t.deploy.rolledOutAt == t0.addingTimeInterval(60))
        d = t.deploy
        t = try machine.apply(.stable, to: d, actor: "slipway", now: t0.addingTimeInterval(360))
        #expect(t.deploy.state == .succeeded)
        #expect(t.actions.contains(.recordLiveTag))
        #expect(t.actions.contains(.resolveAlerts))
        #expect(t.audit.action == "state:succeeded")
        #expect(t.audit.detail.contains("verifying → succeeded"))
    }

    @Test("approval: pending until an approver decides; expiry is checked against the injected clock")
    func approval() throws {
        let submitted = try machine.apply(
            .submit(requiresApproval: true, approvalToken: "a-x"), to: deploy(), actor: "U0ALICE", now: t0)
        #expect(submitted.deploy.state == .awaitingApproval)
        #expect(submitted.deploy.approval?.expiresAt == t0.addingTimeInterval(1800))
        #expect(submitted.actions == [.requestApproval])

        let approved = try machine.apply(
            .approve(by: "U0DANA"), to: submitted.deploy, actor: "U0DANA", now: t0.addingTimeInterval(60))
        #expect(approved.deploy.state == .committing)
        #expect(approved.deploy.approval?.decidedBy == "U0DANA")

        #expect(throws: TransitionError.self) {
            try machine.apply(.approve(by: "U0ONCALL"), to: approved.deploy, actor: "U0ONCALL", now: t0)
        }
        #expect(throws: TransitionError.self) {
            try machine.apply(
                .approve(by: "U0DANA"), to: submitted.deploy, actor: "U0DANA", now: t0.addingTimeInterval(1800))
        }
        #expect(throws: TransitionError.self) {
            try machine.apply(.expireApproval, to: submitted.deploy, actor: "slipway", now: t0.addingTimeInterval(100))
        }
        let expired = try machine.apply(
            .expireApproval, to: submitted.deploy, actor: "slipway", now: t0.addingTimeInterval(1800))
        #expect(expired.deploy.state == .cancelled)
        #expect(expired.deploy.note == "approval expired")
    }

    @Test("failures after the commit alert on-call; failures before do not")
    func failureAlerts() throws {
        let failure = FailureRecord(
            cause: "memory_limit", title: "Out of memory", summary: "OOMKilled", runbook: "memory-limits.md")
        var d = deploy()
        d.state = .rollingOut
        d.gitCommit = "abc"
        let t = try machine.apply(.fail(failure), to: d, actor: "slipway", now: t0)
        #expect(t.deploy.state == .failed)
        #expect(t.deploy.failure == failure)
        #expect(t.actions.contains(.alertOnCall))
        var early = deploy()
        early.state = .committing
        let e = try machine.apply(.fail(failure), to: early, actor: "slipway", now: t0)
        #expect(!e.actions.contains(.alertOnCall))
        #expect(throws: TransitionError.self) {
            try machine.apply(.fail(failure), to: t.deploy, actor: "slipway", now: t0)
        }
    }

    @Test("an approved rollback locks the environment at once, in plain text; supersede ends unfinished deploys")
    func rollbackAndSupersede() throws {
        var d = deploy(kind: .rollback)
        d.state = .awaitingApproval
        d.approval = Approval(token: "a-1", expiresAt: t0.addingTimeInterval(60))
        let approved = try machine.apply(.approve(by: "U0DANA"), to: d, actor: "U0DANA", now: t0)
        let lock = approved.actions.first {
            if case .lockEnvironment = $0 { return true } else { return false }
        }
        #expect(lock == .lockEnvironment(reason: "rollback to \(d.targetTag): fix forward or unlock"))
        d.state = .verifying
        let t = try machine.apply(.stable, to: d, actor: "slipway", now: t0)
        #expect(!t.actions.contains { if case .lockEnvironment = $0 { true } else { false } })
        var old = deploy()
        old.state = .reconciling
        let s = try machine.apply(.supersede(by: "d-2"), to: old, actor: "slipway", now: t0)
        #expect(s.deploy.state == .superseded)
        #expect(throws: TransitionError.self) {
            try machine.apply(.supersede(by: "d-3"), to: s.deploy, actor: "slipway", now: t0)
        }
    }

    @Test("events out of order are refused with a readable reason")
    func outOfOrder() {
        #expect {
            try machine.apply(.applied, to: deploy(), actor: "slipway", now: t0)
        } throws: { error in
            (error as? TransitionError)?.message == "Cannot mark applied d-1: it is requested."
        }
    }
}
