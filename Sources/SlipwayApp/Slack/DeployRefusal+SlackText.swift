import DeployCore
import Foundation
import SlipwaySlack

extension DeployRefusal {
    /// The refusal as a Slack reply: which rule said no, and what to do instead.
    /// - Parameters:
    ///   - service: The service asked for.
    ///   - environment: The environment asked for.
    ///   - names: The configured command names, for the hints.
    func slackText(service: String, environment: String, names: SlashCommandNames) -> String {
        let e = SlackText.escape
        let target = "`\(service)/\(environment)`"
        let deploy = names.deploy
        let rollback = names.rollback
        func when(_ date: Date) -> String { SlackText.date(date, format: "{date_short_pretty} {time}") }
        switch self {
        case .notDeployer(let deployers):
            return
                "You are not allowed to deploy \(target). Ask one of its deployers (\(deployers.map { SlackText.mention(userId: $0) }.joined(separator: ", "))) or the platform team to add you."
        case .locked(let lock):
            return
                "\(target) is locked by \(SlackText.mention(userId: lock.lockedBy)): “\(e(lock.reason))”. Run `\(deploy) unlock \(service) \(environment)` first if the reason no longer holds."
        case .frozen(let freeze):
            return
                "\(target) is frozen until \(when(freeze.endsAt)): “\(e(freeze.reason))”. Deploy after that, or add `--emergency <reason>` if it cannot wait (an approver other than you must approve)."
        case .tagRequired:
            return
                "\(target) does not promote from another environment, so say which image: `\(deploy) \(service) \(environment) &lt;tag|sha&gt;`."
        case .nothingPromotable(let source, let newest):
            var text =
                "Promotion gate: nothing in `\(service)/\(source)` can be promoted to \(target): no deploy there has succeeded"
            if let newest { text += " (its newest, `\(e(newest.tag))`, \(Self.outcomeText(newest.outcome)))" }
            return text
                + ". Deploy to `\(service)/\(source)` and wait for it to succeed, or name a tag: `\(deploy) \(service) \(environment) &lt;tag&gt;`."
        case .notSucceededInSource(let tag, let source, let latest):
            let what =
                latest.map { "its deploy there \(Self.outcomeText($0.outcome))" } ?? "it was never deployed there"
            return
                "Promotion gate: `\(e(tag))` has not succeeded in `\(service)/\(source)` (\(what)), so it cannot go to \(target). Deploy it to `\(service)/\(source)` first, or run `\(deploy) \(service) \(environment)` to promote the newest tag that succeeded there."
        case .soaking(let tag, let source, let promotableAt):
            return
                "Promotion gate (soak time): `\(e(tag))` has not been live in `\(service)/\(source)` long enough. It becomes promotable to \(target) at \(when(promotableAt)); try again then, or use `--emergency <reason>`."
        case .unknownTag(let tag, let newestKnown):
            let known =
                newestKnown.isEmpty
                ? "Slipway knows no tags of `\(service)` yet"
                : "Newest known tags: " + newestKnown.map { "`\(e($0))`" }.joined(separator: ", ")
            return
                "Promotion gate (known tag): Slipway never saw `\(e(tag))` built by CI nor deployed, so it will not send it to \(target). \(known). Check the tag, or let CI report the image first."
        case .notVerified(let tag, let source):
            return
                "Promotion gate (verification): `\(e(tag))` did not pass verification in `\(service)/\(source)`, so it cannot go to \(target). Promote a verified tag, or use `--emergency <reason>`."
        case .noSafeRollbackTarget(let failing):
            let not = failing.map { " other than `\(e($0))`" } ?? ""
            return
                "No safe rollback target for \(target): no tag\(not) has succeeded there. Name one you trust: `\(rollback) \(service) \(environment) &lt;tag&gt;`."
        case .rollbackTargetFailed(let tag, let outcome):
            return
                "`\(e(tag))` is not a safe rollback target for \(target): its deploy there \(Self.outcomeText(outcome)). Run `\(rollback) \(service) \(environment)` for the last tag that succeeded, or add `--emergency <reason>` if you must."
        case .alreadyCurrent(let tag, let kind):
            return
                "`\(e(tag))` is already the current tag of \(target); nothing to \(kind == .rollback ? "roll back" : "deploy")."
        case .noApprovers:
            return
                "An emergency \(target) deploy needs an approver other than you, and \(target) lists no approvers. Ask the platform team to add `approvers` for it."
        case .unknownCommit(let ref):
            return
                "No image built from commit `\(e(ref))` is known for `\(service)`. CI reports images to Slipway when they are built; give the image tag instead, e.g. `\(deploy) \(service) \(environment) main-\(e(String(ref.prefix(7))))`."
        }
    }

    static func outcomeText(_ outcome: DeployHistory.Outcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .rolledBack: "was rolled back"
        case .inFlight: "is still in flight"
        }
    }
}
