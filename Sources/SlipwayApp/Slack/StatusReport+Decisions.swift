import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

extension StatusReport {
    /// What decides the next deploy of an environment: freezes (active and next), lock expiry, held CI images,
    /// pending approvals (who can approve, how many are still needed) and, with `promoteFrom`, which tag is
    /// promotable now or why none is.
    func decisionLines(_ service: ServiceEntry, _ environment: String) throws -> [String] {
        guard let coordinator = planning, let env = service.environments[environment] else { return [] }
        let e = SlackText.escape
        let now = clock()
        func when(_ date: Date) -> String { SlackText.date(date) }
        return try store.read { r -> [String] in
            var lines: [String] = []
            let facts = try coordinator.planningFacts(service: service, environment: env, now: now, in: r)
            let calendar = try coordinator.freezeCalendar(env, now: now, in: r)
            if let freeze = facts.freeze {
                lines.append("❄️ Frozen until \(when(freeze.endsAt)): “\(e(freeze.reason))”")
            }
            if let next = calendar.nextFreeze(after: now) {
                lines.append("🗓 Next freeze \(when(next.startsAt)) – \(when(next.endsAt)): “\(e(next.reason))”")
            }
            if let lock = facts.lock, let expiry = lock.expiresAt {
                lines.append("⏲ The lock lifts itself \(when(expiry))")
            }
            let recent = try r.recentDeploys(service: service.name, environment: env.name, limit: 20)
            let held = recent.filter { $0.state == .held }
            if !held.isEmpty {
                lines.append(
                    "⏸ Held CI images (deployed when the freeze ends, newest first): "
                        + held.map { "`\(e($0.targetTag))`" }.joined(separator: ", "))
            }
            for pending in recent where pending.state == .awaitingApproval {
                let approvers = env.approvers.map { $0 == "*" ? "anyone" : SlackText.approverMention($0) }
                let needed = max(1, env.approvalsRequired)
                lines.append(
                    "🔐 `\(pending.id)` waits for \(needed) approval\(needed == 1 ? "" : "s") from \(approvers.joined(separator: ", ")) (not \(SlackText.mention(userId: pending.requestedBy))); expires \(pending.approval.map { when($0.expiresAt) } ?? "?")"
                )
            }
            if let source = env.promoteFrom {
                switch coordinator.promotion(from: facts) {
                case .create(let plan):
                    lines.append("⏩ Promotable now from `\(source)`: `\(e(plan.tag))`")
                case .refuse(.alreadyCurrent(let tag, _)):
                    lines.append("⏩ `\(e(tag))`, the newest tag that succeeded in `\(source)`, already runs here")
                case .refuse(let refusal):
                    lines.append(
                        "⏩ Nothing promotable from `\(source)`: "
                            + refusal.slackText(service: service.name, environment: env.name, names: names))
                case .record:
                    break
                }
            }
            return lines
        }
    }
}

extension StatusReport {
    /// The overview's short form: a freeze in force, or the next one.
    func overviewDecisions(_ env: EnvironmentEntry) throws -> String {
        guard let coordinator = planning else { return "" }
        let now = clock()
        let calendar = try store.read { r in try coordinator.freezeCalendar(env, now: now, in: r) }
        if let freeze = calendar.activeFreeze(at: now) {
            return " ❄️ frozen until \(SlackText.date(freeze.endsAt)): “\(SlackText.escape(freeze.reason))”"
        }
        if let next = calendar.nextFreeze(after: now) {
            return " 🗓 next freeze \(SlackText.date(next.startsAt))"
        }
        return ""
    }
}

extension SlackText {
    /// A user (`<@U…>`) or a Slack user group (`<!subteam^S…>`) mention: approvers may name either.
    static func approverMention(_ id: String) -> String {
        id.hasPrefix("S") ? "<!subteam^\(id)>" : mention(userId: id)
    }
}
