import DeployCore
import Foundation
import Testing

/// Approve and Deny clicks as a table: who clicks, on what, and what the clicker (and the channel) then sees.
@Suite("Approval decisions")
struct ApprovalDecisionTests {
    static let now = DeployPlannerTests.now

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var click: ApprovalClick
        var state: DeployState = .awaitingApproval
        var expiresInSeconds: Double = 600
        var kind: DeployKind = .deploy
        var requireApproval = true
        var approvalsRequired = 1
        var approvers = ["U0DANA", "U0ONCALL", "S0SRE"]
        var expected: ApprovalDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "an approver approves", click: .init(approve: true, user: "U0DANA"), expected: .approve),
        Row(name: "an approver denies", click: .init(approve: false, user: "U0DANA"), expected: .deny),
        Row(
            name: "the requester cannot approve their own request", click: .init(approve: true, user: "U0ALICE"),
            expected: .refuse(.ownRequest(.deploy))),
        Row(
            name: "the requester may withdraw their own request", click: .init(approve: false, user: "U0ALICE"),
            expected: .deny),
        Row(
            name: "someone who is not an approver is refused, naming the approvers",
            click: .init(approve: true, user: "U0MALLORY"),
            expected: .refuse(.notApprover(approvers: ["U0DANA", "U0ONCALL", "S0SRE"]))),
        Row(
            name: "nor may they deny", click: .init(approve: false, user: "U0MALLORY"),
            expected: .refuse(.notApprover(approvers: ["U0DANA", "U0ONCALL", "S0SRE"]))),
        Row(
            name: "a member of an approver user group approves",
            click: .init(approve: true, user: "U0SRE1", inApproverGroup: true), expected: .approve),
        Row(
            name: "`*` lets anyone but the requester approve", click: .init(approve: true, user: "U0ZED"),
            approvers: ["*"], expected: .approve),
        Row(
            name: "the first of two approvals is progress", click: .init(approve: true, user: "U0DANA"),
            approvalsRequired: 2, expected: .progress(have: 1, needed: 2)),
        Row(
            name: "the second distinct approver approves",
            click: .init(approve: true, user: "U0ONCALL", earlierApprovers: ["U0DANA"]), approvalsRequired: 2,
            expected: .approve),
        Row(
            name: "the same approver twice counts once",
            click: .init(approve: true, user: "U0DANA", earlierApprovers: ["U0DANA"]), approvalsRequired: 2,
            expected: .refuse(.alreadyApproved(stillNeeded: 1))),
        Row(
            name: "one deny ends a request that has approvals already",
            click: .init(approve: false, user: "U0ONCALL", earlierApprovers: ["U0DANA"]), approvalsRequired: 2,
            expected: .deny),
        Row(
            name: "a rollback where approval is not required needs one approver",
            click: .init(approve: true, user: "U0DANA"), kind: .rollback, requireApproval: false,
            approvalsRequired: 3, expected: .approve),
        Row(
            name: "a click after the request timed out expires it", click: .init(approve: true, user: "U0DANA"),
            expiresInSeconds: -1, expected: .expire),
        Row(
            name: "a click on a request already approved changes nothing",
            click: .init(approve: true, user: "U0ONCALL"), state: .committing,
            expected: .refuse(.notPending(.committing))),
        Row(
            name: "a click on a superseded request changes nothing", click: .init(approve: false, user: "U0DANA"),
            state: .superseded, expected: .refuse(.notPending(.superseded))),
    ]

    @Test("each click decides as the people in the channel expect", arguments: rows)
    func decides(_ row: Row) {
        let env = DeployPlannerTests.env(requireApproval: row.requireApproval, approvers: row.approvers) {
            $0.approvalsRequired = row.approvalsRequired
        }
        let deploy = Deploy(
            id: "d-1", service: "shop", environment: "prod", kind: row.kind, source: .slack, targetTag: "main-1",
            requestedBy: "U0ALICE", state: row.state,
            approval: Approval(token: "t", expiresAt: Self.now.addingTimeInterval(row.expiresInSeconds)),
            createdAt: Self.now.addingTimeInterval(-60))
        #expect(DeployPlanner().decide(row.click, on: deploy, environment: env, now: Self.now) == row.expected)
    }
}
