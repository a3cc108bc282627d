import DeployCore
import Foundation
import SlipwaySlack

/// Action ids of Slipway's buttons. Values carry only opaque ids that the server looks up.
public enum ActionID {
    public static let approve = "deploy.approve"
    public static let deny = "deploy.deny"
    public static let rollback = "deploy.rollback"
}

/// Renders deploy messages as Block Kit. Every piece of user-supplied text is escaped.
public struct DeployMessageRenderer: Sendable {
    public var runbooksBaseURL: String
    public var onCall: [String]

    public init(runbooksBaseURL: String, onCall: [String]) {
        self.runbooksBaseURL = runbooksBaseURL
        self.onCall = onCall
    }

    /// Facts looked up at delivery time.
    public struct Context: Sendable {
        /// `<@U…>` mention or escaped name of the application commit's author.
        public var authorMention: String?
        /// The tag a Rollback button would restore: one that succeeded in the environment, never the failing one.
        public var rollbackTag: String?
        /// Whether a safe rollback target was looked for; without one the failure says there is none.
        public var offersRollback = false
        /// For a promotion: mentions of the authors of every commit it brings (at most `maxAuthors`).
        public var promotedAuthors: [String] = []
        /// Authors beyond `promotedAuthors`, shown as "and K more".
        public var moreAuthors = 0
        /// Who is on call, as looked up when sent (PagerDuty); nil names `onCall` from the configuration.
        public var onCallLine: String? = nil
        /// Added to the on-call DM, e.g. that it went to the fallback list.
        public var onCallNote: String? = nil
        public init(authorMention: String? = nil, rollbackTag: String? = nil) {
            self.authorMention = authorMention
            self.rollbackTag = rollbackTag
        }
    }

    /// The one live message of a deploy in the deploy channel.
    public func liveMessage(for deploy: Deploy, context: Context, now: Date) -> SlackMessage {
        let e = SlackText.escape
        let what = "*\(e(deploy.service))* → *\(e(deploy.environment))*"
        let tags = deploy.tagChangeText
        let verb = deploy.kind == .rollback ? "Rollback" : "Deploy"
        var blocks: [SlackBlock] = []
        let headline: String
        switch deploy.state {
        case .succeeded:
            headline = "✅ \(verb) of \(what) succeeded: \(tags)"
        case .failed:
            headline = "❌ \(verb) of \(what) failed: \(tags)"
        case .cancelled, .superseded, .blocked, .rolledBack:
            headline = "⚪️ \(verb) of \(what) \(deploy.state.label): \(tags)"
        default:
            headline = "⏳ \(verb) of \(what): \(tags) — *\(stageText(deploy))*"
        }
        blocks.append(.section(headline))
        var facts: [String] = []
        facts.append("*Requested by* \(requester(deploy))")
        if let approver = deploy.approval?.decidedBy, deploy.approval?.approved == true {
            facts.append("*Approved by* \(SlackText.mention(userId: approver))")
        }
        if !context.promotedAuthors.isEmpty {
            facts.append(
                "*Authors* " + context.promotedAuthors.joined(separator: ", ")
                    + (context.moreAuthors > 0 ? " and \(context.moreAuthors) more" : ""))
        } else if let author = context.authorMention {
            facts.append("*Author* \(author)")
        }
        if let sha = deploy.sourceCommit { facts.append("*Commit* `\(e(String(sha.prefix(12))))`") }
        if deploy.state.isTerminal, let finished = deploy.finishedAt {
            facts.append("*Duration* \(Self.duration(finished.timeIntervalSince(deploy.createdAt)))")
        }
        blocks.append(.fields(facts))
        if let message = deploy.commitMessage, !message.isEmpty {
            let firstLine = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
            blocks.append(.context(["> \(e(String(firstLine.prefix(200))))"]))
        }
        if deploy.state == .failed || deploy.state == .rolledBack, let failure = deploy.failure {
            // A rolled-back failure keeps its cause, runbook and on-call line (no Rollback button: it is done).
            var context = context
            if deploy.state == .rolledBack {
                context.rollbackTag = nil
                context.offersRollback = false
            }
            blocks.append(contentsOf: failureBlocks(failure, deploy: deploy, context: context))
        }
        blocks.append(contentsOf: verificationBlocks(deploy))
        if let note = deploy.noteText {
            blocks.append(.context([note]))
        }
        blocks.append(
            .context(["Deploy `\(deploy.id)`" + (deploy.gitCommit.map { " · GitOps commit `\($0.prefix(12))`" } ?? "")])
        )
        return SlackMessage(text: Self.plain(headline), blocks: blocks)
    }

    /// The DM sent to each on-call engineer when a deploy fails.
    public func failureDirectMessage(for deploy: Deploy, context: Context, now: Date) -> SlackMessage {
        let e = SlackText.escape
        let headline =
            "🚨 \(deploy.kind == .rollback ? "Rollback" : "Deploy") of *\(e(deploy.service))* to *\(e(deploy.environment))* failed (`\(e(deploy.targetTag))`). You are on call."
        var blocks: [SlackBlock] = [.section(headline)]
        if let failure = deploy.failure {
            blocks.append(contentsOf: failureBlocks(failure, deploy: deploy, context: context))
        }
        if let note = context.onCallNote { blocks.append(.context(["⚠️ " + note])) }
        blocks.append(.context(["Requested by \(requester(deploy)) · deploy `\(deploy.id)`"]))
        return SlackMessage(text: Self.plain(headline), blocks: blocks)
    }

    /// The in-channel approval request with Approve and Deny buttons. It mentions the approvers (users or user
    /// groups) so they are notified, and counts the approvals so far.
    /// - Parameters:
    ///   - deploy: The deploy waiting for approval.
    ///   - approvers: The environment's approvers (`U…`, `S…` user groups, or `*`).
    ///   - needed: Distinct approvals needed.
    ///   - approvedBy: Who approved so far.
    public func approvalRequest(
        for deploy: Deploy, approvers: [String] = [], needed: Int = 1, approvedBy: [String] = []
    ) -> SlackMessage {
        let e = SlackText.escape
        let verb = deploy.kind == .rollback ? "Rollback" : "Deploy"
        let who =
            approvers.isEmpty || approvers.contains("*")
            ? "an approver other than the requester"
            : approvers.filter { $0 != deploy.requestedBy }.map(SlackText.approverMention).joined(separator: ", ")
        var text =
            "🔐 \(verb) *\(e(deploy.service))* to *\(e(deploy.environment))*: \(deploy.tagChangeText), requested by \(requester(deploy)). Needs \(needed == 1 ? "approval" : "\(needed) approvals") by \(who)."
        if needed > 1 || !approvedBy.isEmpty {
            text +=
                "\n\(approvedBy.count) of \(needed) approvals"
                + (approvedBy.isEmpty
                    ? "" : " (" + approvedBy.map { SlackText.mention(userId: $0) }.joined(separator: ", ") + ")")
        }
        if let note = deploy.note, note.hasPrefix("emergency: ") {
            // Escaped where it was written.
            text += "\n🚨 *Emergency* (passes freeze and promotion gates): \(note.dropFirst(11))"
        }
        var blocks: [SlackBlock] = [.section(text)]
        if let token = deploy.approval?.token {
            let expiry =
                deploy.approval.map { "Expires \(SlackText.date($0.expiresAt, format: "{time}"))." }
                ?? ""
            blocks.append(
                .actions(
                    [
                        SlackButton(
                            text: "Approve", actionId: ActionID.approve, value: token, style: .primary,
                            confirm: SlackConfirmDialog(
                                title: "Approve \(verb.lowercased())?",
                                text: "\(verb) \(deploy.service) to \(deploy.environment) with \(deploy.targetTag)?",
                                confirm: "Approve", deny: "Cancel")),
                        SlackButton(text: "Deny", actionId: ActionID.deny, value: token, style: .danger),
                    ], blockId: "approval"))
            blocks.append(.context([expiry]))
        }
        return SlackMessage(text: Self.plain(text), blocks: blocks, responseType: .inChannel)
    }

    /// The message that replaces an approval request once decided.
    public func approvalDecided(for deploy: Deploy) -> SlackMessage {
        let e = SlackText.escape
        let decision: String
        if let by = deploy.approval?.decidedBy, let approved = deploy.approval?.approved {
            decision =
                approved
                ? "✅ Approved by \(SlackText.mention(userId: by))" : "🚫 Denied by \(SlackText.mention(userId: by))"
        } else {
            decision = "⌛️ \(deploy.state.label.capitalized)"
        }
        var text =
            "\(decision): \(deploy.kind.rawValue) *\(e(deploy.service))* to *\(e(deploy.environment))* `\(e(deploy.targetTag))`."
        if deploy.state == .superseded || deploy.approval?.decidedBy == nil, let note = deploy.noteText {
            text += " (\(note))"
        }
        return SlackMessage(
            text: Self.plain(text), blocks: [.section(text)], responseType: .inChannel, replaceOriginal: true)
    }

    private func failureBlocks(_ failure: FailureRecord, deploy: Deploy, context: Context) -> [SlackBlock] {
        let e = SlackText.escape
        var text = "*\(e(failure.title))*\n\(e(failure.summary))"
        if let runbook = failure.runbook {
            text += "\n📖 " + SlackText.link("\(runbooksBaseURL)/\(runbook)", label: "Runbook: \(runbook)")
        }
        var blocks: [SlackBlock] = [.section(SlackText.truncate(text, to: BlockKitLimits.sectionText))]
        if let line = context.onCallLine {
            blocks.append(.context([line]))
        } else if !onCall.isEmpty {
            blocks.append(.context(["On call: " + onCall.map { SlackText.mention(userId: $0) }.joined(separator: " ")]))
        }
        if let tag = context.rollbackTag, deploy.gitCommit != nil {
            blocks.append(
                .actions(
                    [
                        SlackButton(
                            text: "Roll back to \(tag)", actionId: ActionID.rollback, value: deploy.id, style: .danger)
                    ], blockId: "rollback"))
        } else if context.offersRollback, deploy.gitCommit != nil {
            blocks.append(
                .context([
                    "No safe rollback target: no other tag has succeeded in `\(e(deploy.service))/\(e(deploy.environment))`, so there is no Rollback button. Fix forward, or roll back to a tag you trust by name."
                ]))
        }
        return blocks
    }

    private func requester(_ deploy: Deploy) -> String {
        deploy.source == .ci ? "CI" : SlackText.mention(userId: deploy.requestedBy)
    }

    private func stageText(_ deploy: Deploy) -> String {
        switch deploy.state {
        case .requested: "requested"
        case .awaitingApproval: "waiting for approval"
        case .committing: deploy.progress.map { SlackText.escape($0) } ?? "committing to GitOps"
        case .reconciling: "committed, Flux reconciling" + (deploy.progress.map { " (\($0))" } ?? "")
        case .rollingOut: "rolling out" + (deploy.progress.map { " \($0)" } ?? "")
        case .verifying: "verifying (stability window)"
        default: deploy.state.label
        }
    }

    /// Notes are written by Slipway but may quote user text, which is escaped where it was composed.
    /// "4m 12s", "38s", "1h 02m".
    public static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        let minutes = (s % 3600) / 60
        return "\(s / 3600)h \(minutes < 10 ? "0" : "")\(minutes)m"
    }

    /// Most commit authors tagged on a promotion's message; the rest are counted.
    public static let maxAuthors = 10

    /// Strips mrkdwn emphasis for the notification fallback text.
    static func plain(_ text: String) -> String {
        // Byte by byte: both are ASCII, never part of a longer UTF-8 sequence (Foundation's replacingOccurrences was
        // an eighth of a CI deploy's cost, for its thread log's first step).
        let emphasis: (UInt8) -> Bool = { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "`") }
        guard text.utf8.contains(where: emphasis) else { return text }
        return String(decoding: text.utf8.filter { !emphasis($0) }, as: UTF8.self)
    }
}

extension Deploy {
    /// The tag change as Slack text, "`main-1a2b3c4` → `main-5d6e7f8`"; a previous tag Slipway has not recorded
    /// (the first deploy it sees of an environment) reads _not recorded_.
    var tagChangeText: String {
        let from = previousTag.map { "`\(SlackText.escape($0))`" } ?? "_not recorded_"
        return "\(from) → `\(SlackText.escape(targetTag))`"
    }
}
