import DeployCore
import Foundation
import SlipwaySlack

extension ActionID {
    /// "Treat as passed" on an inconclusive verification (approvers only).
    public static let verificationPass = "deploy.verification.pass"
    /// "Roll back" on an inconclusive verification (approvers only).
    public static let verificationRollback = "deploy.verification.rollback"
}

extension DeployMessageRenderer {
    /// The verification lines of the live message: each check's latest value against its limit, the verdict, and
    /// the approver's buttons when the verification is inconclusive.
    func verificationBlocks(_ deploy: Deploy) -> [SlackBlock] {
        guard let record = deploy.verification else { return [] }
        let e = SlackText.escape
        let checks = record.checks.map { check -> String in
            let mark = check.failing ? "❌" : (check.latest == nil ? (check.values.isEmpty ? "⏳" : "❔") : "✅")
            return "\(mark) \(e(check.name)) `\(e(check.latestText))` (\(e(check.limit)))"
        }
        let track = record.track == "canary" ? "Canary verification" : "Verification"
        let headline: String
        switch record.verdict {
        case .running where record.track == "canary":
            headline = "*Canary \(record.samples)/\(record.plannedSamples ?? record.samples) → primary*"
        case .running: headline = "*\(track)* — sample \(record.samples)"
        case .passed: headline = "*Verified* ✅ over \(record.samples) sample\(record.samples == 1 ? "" : "s")"
        case .treatedAsPassed:
            headline =
                "*Verified* by decision of \(SlackText.mention(userId: record.decidedBy ?? "")): inconclusive checks treated as passed"
        case .failed: headline = "*\(track) failed*"
        case .inconclusive:
            headline =
                "*\(track) inconclusive* ❔ — a check had no data at the end of the window. An approver decides."
        }
        var blocks: [SlackBlock] = [
            .section(
                SlackText.truncate(headline + "\n" + checks.joined(separator: "\n"), to: BlockKitLimits.sectionText))
        ]
        if record.verdict == .inconclusive, deploy.state == .verifying {
            blocks.append(
                .actions(
                    [
                        SlackButton(
                            text: "Treat as passed", actionId: ActionID.verificationPass, value: deploy.id,
                            style: .primary,
                            confirm: SlackConfirmDialog(
                                title: "Treat as passed?",
                                text: "Record \(deploy.targetTag) as verified in \(deploy.environment) without data?",
                                confirm: "Treat as passed", deny: "Cancel")),
                        SlackButton(
                            text: "Roll back", actionId: ActionID.verificationRollback, value: deploy.id,
                            style: .danger),
                    ], blockId: "verification"))
        }
        return blocks
    }
}
