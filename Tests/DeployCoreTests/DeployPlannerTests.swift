import DeployCore
import Foundation
import Testing

/// The planner's rules as a table: each row is a request, the facts, and the decision a user would see.
@Suite("Deploy planner")
struct DeployPlannerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func env(
        _ name: String = "prod", promoteFrom: String? = "staging", requireApproval: Bool = true,
        approvers: [String] = ["U0DANA", "U0ONCALL"], deployers: [String] = ["*"],
        configure: (inout EnvironmentEntry) -> Void = { _ in }
    ) -> EnvironmentEntry {
        var entry = EnvironmentEntry(
            name: name, kustomization: "clusters/\(name)/shop/kustomization.yaml",
            flux: .init(namespace: "flux-system", kustomization: "shop-\(name)", gitRepository: "gitops"),
            workload: .init(namespace: "shop", deployment: "shop"), autoDeploy: promoteFrom == nil,
            promoteFrom: promoteFrom, requireApproval: requireApproval, deployers: deployers, approvers: approvers)
        entry.requireKnownTag = promoteFrom != nil
        configure(&entry)
        return entry
    }

    static func entry(
        _ tag: String, _ outcome: DeployHistory.Outcome, minutesAgo: Double = 120, verified: Bool = false,
        id: String? = nil
    ) -> DeployHistory.Entry {
        DeployHistory.Entry(
            deployId: id ?? "d-\(tag)", tag: tag, outcome: outcome, since: now.addingTimeInterval(-minutesAgo * 60),
            verified: verified)
    }

    static func deploy(_ tag: String? = nil, by user: String = "U0ALICE", emergency: String? = nil) -> DeployRequest {
        DeployRequest(kind: .deploy, origin: .slashCommand, tag: tag, requestedBy: user, emergencyReason: emergency)
    }

    static func rollback(_ tag: String? = nil, emergency: String? = nil) -> DeployRequest {
        DeployRequest(
            kind: .rollback, origin: .slashCommand, tag: tag, requestedBy: "U0ALICE", emergencyReason: emergency)
    }

    static func ci(_ tag: String) -> DeployRequest {
        DeployRequest(kind: .deploy, origin: .ci, tag: tag, requestedBy: "ci")
    }

    static let lock = EnvironmentLock(
        service: "shop", environment: "prod", reason: "migration", lockedBy: "U0BOB", lockedAt: now)
    static let freeze = ActiveFreeze(
        reason: "weekend", startsAt: now.addingTimeInterval(-60), endsAt: now.addingTimeInterval(3600), source: .weekly)

    /// Staging: `good` succeeded 2 h ago, `fresh` 5 min ago, `bad` failed, `rolled` was rolled back, `busy` in flight.
    static let staging = DeployHistory(
        currentTag: "busy",
        entries: [
            entry("busy", .inFlight, minutesAgo: 1), entry("fresh", .succeeded, minutesAgo: 5, verified: true),
            entry("bad", .failed, minutesAgo: 30), entry("rolled", .rolledBack, minutesAgo: 40),
            entry("good", .succeeded, minutesAgo: 120),
        ])

    static func facts(
        _ environment: EnvironmentEntry = env(), current: String? = "old", history: [DeployHistory.Entry] = [],
        source: DeployHistory? = staging, known: [String] = ["busy", "fresh", "bad", "rolled", "good", "ci-only"],
        lock: EnvironmentLock? = nil, freeze: ActiveFreeze? = nil, pending: [String] = []
    ) -> PlanningFacts {
        PlanningFacts(
            environment: environment, history: DeployHistory(currentTag: current, entries: history),
            sourceHistory: source, knownTags: known, lock: lock, freeze: freeze, pendingRequests: pending, now: now)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var request: DeployRequest
        var facts: PlanningFacts
        var expected: DeployDecision
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        // Promotion without a tag: the newest tag that succeeded, never a failed, rolled back or in-flight one.
        Row(
            name: "promote picks the newest succeeded tag", request: deploy(), facts: facts(),
            expected: .create(DeployPlan(kind: .deploy, tag: "fresh", previousTag: "old", approvalsNeeded: 1))),
        Row(
            name: "promote with nothing succeeded names the newest deploy there",
            request: deploy(),
            facts: facts(source: DeployHistory(currentTag: "bad", entries: [entry("bad", .failed)])),
            expected: .refuse(.nothingPromotable(source: "staging", newest: entry("bad", .failed)))),
        Row(
            name: "no tag without promoteFrom", request: deploy(), facts: facts(env(promoteFrom: nil), source: nil),
            expected: .refuse(.tagRequired)),
        // Explicit tags through the gates.
        Row(
            name: "explicit tag that failed in staging", request: deploy("bad"), facts: facts(),
            expected: .refuse(
                .notSucceededInSource(tag: "bad", source: "staging", latest: entry("bad", .failed, minutesAgo: 30)))),
        Row(
            name: "explicit tag still in flight in staging", request: deploy("busy"), facts: facts(),
            expected: .refuse(
                .notSucceededInSource(tag: "busy", source: "staging", latest: entry("busy", .inFlight, minutesAgo: 1)))),
        Row(
            name: "explicit tag rolled back in staging", request: deploy("rolled"), facts: facts(),
            expected: .refuse(
                .notSucceededInSource(
                    tag: "rolled", source: "staging", latest: entry("rolled", .rolledBack, minutesAgo: 40)))),
        Row(
            name: "a made-up tag is unknown, naming the newest known ones", request: deploy("totally-made-up-tag"),
            facts: facts(),
            expected: .refuse(.unknownTag(tag: "totally-made-up-tag", newestKnown: ["busy", "fresh", "bad"]))),
        Row(
            name: "a tag CI built but staging never ran has not succeeded there", request: deploy("ci-only"),
            facts: facts(),
            expected: .refuse(.notSucceededInSource(tag: "ci-only", source: "staging", latest: nil))),
        Row(
            name: "requireKnownTag off: an unknown tag still needs success in staging", request: deploy("made-up"),
            facts: facts(env { $0.requireKnownTag = false }),
            expected: .refuse(.notSucceededInSource(tag: "made-up", source: "staging", latest: nil))),
        Row(
            name: "soak: 5 minutes live is not 30", request: deploy("fresh"),
            facts: facts(env { $0.soakMinutes = 30 }),
            expected: .refuse(
                .soaking(tag: "fresh", source: "staging", promotableAt: now.addingTimeInterval(25 * 60)))),
        Row(
            name: "soak: 2 hours live passes 30 minutes", request: deploy("good"),
            facts: facts(env { $0.soakMinutes = 30 }),
            expected: .create(DeployPlan(kind: .deploy, tag: "good", previousTag: "old", approvalsNeeded: 1))),
        Row(
            name: "requireVerified refuses an unverified tag", request: deploy("good"),
            facts: facts(env { $0.requireVerified = true }),
            expected: .refuse(.notVerified(tag: "good", source: "staging"))),
        Row(
            name: "requireVerified passes a verified tag", request: deploy("fresh"),
            facts: facts(env { $0.requireVerified = true }),
            expected: .create(DeployPlan(kind: .deploy, tag: "fresh", previousTag: "old", approvalsNeeded: 1))),
        Row(
            name: "the current tag is already current", request: deploy("good"), facts: facts(current: "good"),
            expected: .refuse(.alreadyCurrent(tag: "good", kind: .deploy))),
        // Who may ask, locks, freezes, emergencies.
        Row(
            name: "only deployers", request: deploy("good", by: "U0MALLORY"),
            facts: facts(env(deployers: ["U0ALICE"])), expected: .refuse(.notDeployer(deployers: ["U0ALICE"]))),
        Row(
            name: "a lock refuses", request: deploy("good"), facts: facts(lock: lock), expected: .refuse(.locked(lock))),
        Row(
            name: "a lock refuses even an emergency", request: deploy("good", emergency: "outage"),
            facts: facts(lock: lock), expected: .refuse(.locked(lock))),
        Row(
            name: "a freeze refuses with reason and end", request: deploy("good"), facts: facts(freeze: freeze),
            expected: .refuse(.frozen(freeze))),
        Row(
            name: "an emergency passes freeze and gates but needs an approver",
            request: deploy("made-up", emergency: "outage"),
            facts: facts(env(requireApproval: false), freeze: freeze),
            expected: .create(
                DeployPlan(
                    kind: .deploy, tag: "made-up", previousTag: "old", approvalsNeeded: 1, emergencyReason: "outage"))),
        Row(
            name: "an emergency where nobody can approve", request: deploy("made-up", emergency: "outage"),
            facts: facts(env(requireApproval: false, approvers: [])), expected: .refuse(.noApprovers)),
        Row(
            name: "approvalsRequired counts", request: deploy("good"),
            facts: facts(env { $0.approvalsRequired = 2 }),
            expected: .create(DeployPlan(kind: .deploy, tag: "good", previousTag: "old", approvalsNeeded: 2))),
        Row(
            name: "a new request supersedes pending ones", request: deploy("good"), facts: facts(pending: ["d-1"]),
            expected: .create(
                DeployPlan(kind: .deploy, tag: "good", previousTag: "old", approvalsNeeded: 1, supersedes: ["d-1"]))),
        // CI is recorded, never refused.
        Row(
            name: "CI during a lock is blocked", request: ci("new"), facts: facts(env(promoteFrom: nil), lock: lock),
            expected: .record(.blocked(tag: "new", why: .locked(lock)))),
        Row(
            name: "CI during a freeze is held", request: ci("new"), facts: facts(env(promoteFrom: nil), freeze: freeze),
            expected: .record(.held(tag: "new", freeze: freeze))),
        Row(
            name: "CI of the current tag is already current", request: ci("old"), facts: facts(env(promoteFrom: nil)),
            expected: .record(.alreadyCurrent(tag: "old"))),
        Row(
            name: "CI of a tag that failed here is blocked",
            request: ci("bad"), facts: facts(env(promoteFrom: nil), history: [entry("bad", .failed, id: "d-9")]),
            expected: .record(.blocked(tag: "bad", why: .failedBefore(deployId: "d-9")))),
        Row(
            name: "a human may still deploy a tag that failed here", request: deploy("bad"),
            facts: facts(env(promoteFrom: nil, requireApproval: false), history: [entry("bad", .failed)]),
            expected: .create(DeployPlan(kind: .deploy, tag: "bad", previousTag: "old", approvalsNeeded: 0))),
        // Rollbacks: only tags that succeeded here, never the failing one.
        Row(
            name: "rollback picks the newest tag that succeeded, skipping failed ones",
            request: rollback(),
            facts: facts(
                current: "bad2",
                history: [
                    entry("bad2", .failed, minutesAgo: 1), entry("bad1", .failed, minutesAgo: 5),
                    entry("ok", .succeeded),
                ]),
            expected: .create(DeployPlan(kind: .rollback, tag: "ok", previousTag: "bad2", approvalsNeeded: 1))),
        Row(
            name: "after two failures and nothing good, no safe target",
            request: DeployRequest(
                kind: .rollback, origin: .rollbackButton(failedDeployId: "d-2", failedTag: "bad2"), tag: nil,
                requestedBy: "U0ALICE"),
            facts: facts(current: "bad2", history: [entry("bad2", .failed), entry("bad1", .failed)]),
            expected: .refuse(.noSafeRollbackTarget(failingTag: "bad2"))),
        Row(
            name: "rollback to a tag that failed here is refused", request: rollback("bad1"),
            facts: facts(current: "bad2", history: [entry("bad1", .failed)]),
            expected: .refuse(.rollbackTargetFailed(tag: "bad1", outcome: .failed))),
        Row(
            name: "an emergency rollback may pick a failed tag", request: rollback("bad1", emergency: "need it"),
            facts: facts(current: "bad2", history: [entry("bad1", .failed)]),
            expected: .create(
                DeployPlan(
                    kind: .rollback, tag: "bad1", previousTag: "bad2", approvalsNeeded: 1, emergencyReason: "need it"))),
        Row(
            name: "rollbacks need approval only where deploys do", request: rollback("ok"),
            facts: facts(
                env(requireApproval: false, approvers: []), current: "bad", history: [entry("ok", .succeeded)]),
            expected: .create(DeployPlan(kind: .rollback, tag: "ok", previousTag: "bad", approvalsNeeded: 0))),
    ]

    @Test("each rule decides as a user expects", arguments: rows)
    func decides(_ row: Row) {
        #expect(DeployPlanner().plan(row.request, facts: row.facts) == row.expected)
    }

    @Test("history from stored deploys: cancelled and never-committed failures do not count; the baseline tag is good")
    func historyFromDeploys() {
        func stored(_ id: String, _ tag: String, _ state: DeployState, previous: String? = nil, minutesAgo: Double)
            -> Deploy
        {
            var d = Deploy(
                id: id, service: "shop", environment: "prod", kind: .deploy, source: .ci, targetTag: tag,
                previousTag: previous, requestedBy: "ci", state: state,
                createdAt: Self.now.addingTimeInterval(-minutesAgo * 60))
            d.gitCommit = id == "d-nocommit" ? nil : "c-\(id)"
            d.finishedAt = d.createdAt
            return d
        }
        let history = DeployHistory(
            currentTag: "main-2",
            deploys: [
                stored("d-1", "main-1", .failed, previous: "main-0", minutesAgo: 30),
                stored("d-2", "main-2", .failed, previous: "main-1", minutesAgo: 20),
                stored("d-nocommit", "main-3", .failed, minutesAgo: 10),
                stored("d-4", "main-4", .cancelled, minutesAgo: 5),
            ])
        #expect(history.entries.map(\.tag) == ["main-2", "main-1"])
        #expect(history.baseline?.tag == "main-0")
        #expect(history.succeededTags.isEmpty)
        #expect(history.safeRollbackTarget(excluding: ["main-2"])?.tag == "main-0")
        #expect(history.hasFailed("main-1"))
        #expect(!history.hasFailed("main-3"))
    }
}
