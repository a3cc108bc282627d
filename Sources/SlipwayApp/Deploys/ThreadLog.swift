import DeployCore
import Foundation
import SlipwaySlack

/// The steps of a deploy's log, posted in the thread of its message (`slack.threadLog`): approval, the GitOps commit
/// (linked when the remote is on GitHub or GitLab), the reconcile request, rollout progress, verification and the
/// outcome, with the whole diagnosis on failure. Pure: it builds outbox messages from the deploy as it is at each
/// transition; each step has its own key, so it is posted once.
public struct ThreadLog: Sendable {
    /// Turns a GitOps commit sha into a link, when the remote's host is known.
    public var commitURL: CommitURL?
    /// `policy.stabilityWindowSeconds`, named in the verification step.
    public var stabilityWindowSeconds: Double
    public var catalog: Catalog
    public var branch: String
    /// `runbooks.baseURL`, for the failure step's link.
    public var runbooksBaseURL: String = ""

    public init(commitURL: CommitURL?, stabilityWindowSeconds: Double, catalog: Catalog, branch: String) {
        self.commitURL = commitURL
        self.stabilityWindowSeconds = stabilityWindowSeconds
        self.catalog = catalog
        self.branch = branch
    }

    /// Where a hosted git remote shows a commit: `https://github.com/org/repo/commit/<sha>` or
    /// `https://gitlab.com/group/repo/-/commit/<sha>`. Built from the host and path only, so credentials in the
    /// remote URL never reach Slack.
    public struct CommitURL: Sendable, Equatable {
        public var prefix: String

        /// - Returns: nil unless `remote` is an https, ssh or scp-style (`git@host:org/repo.git`) URL of GitHub or
        ///   GitLab.
        public init?(remote: String) {
            var host: String
            var path: String
            if let url = URLComponents(string: remote), let h = url.host, ["https", "http", "ssh"].contains(url.scheme)
            {
                host = h
                path = url.path
            } else if let at = remote.firstIndex(of: "@"), let colon = remote[at...].firstIndex(of: ":"),
                !remote.contains("://")
            {
                host = String(remote[remote.index(after: at)..<colon])
                path = "/" + remote[remote.index(after: colon)...]
            } else {
                return nil
            }
            host = host.lowercased()
            if path.hasSuffix(".git") { path.removeLast(4) }
            while path.hasSuffix("/") { path.removeLast() }
            let parts = path.split(separator: "/")
            guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0 != ".." }) else { return nil }
            if host == "github.com" || host.hasPrefix("github.") {
                prefix = "https://\(host)\(path)/commit/"
            } else if host == "gitlab.com" || host.hasPrefix("gitlab.") {
                prefix = "https://\(host)\(path)/-/commit/"
            } else {
                return nil
            }
        }

        public func url(sha: String) -> String { prefix + sha }
    }

    /// The steps a transition to `deploy`'s state adds to the thread, in order.
    func entries(for deploy: Deploy) -> [(step: String, text: String)] {
        let e = SlackText.escape
        let env = catalog[deploy.target]
        switch deploy.state {
        case .committing:
            guard let approval = deploy.approval, approval.approved == true, let by = approval.decidedBy else {
                return [("committing", "📝 Writing `\(e(deploy.targetTag))` to the GitOps repository")]
            }
            return [
                ("approved", "👍 Approved by \(SlackText.mention(userId: by))"),
                ("committing", "📝 Writing `\(e(deploy.targetTag))` to the GitOps repository"),
            ]
        case .reconciling:
            if let progress = deploy.progress { return [("flux:\(progress)", "🔄 Flux: \(e(progress))")] }
            guard let sha = deploy.gitCommit else { return [] }
            let short = "`\(e(String(sha.prefix(12))))`"
            let commit = commitURL.map { SlackText.link($0.url(sha: sha), label: String(sha.prefix(12))) } ?? short
            var steps = [
                (
                    "commit",
                    "📦 Committed \(commit) to `\(e(branch))`: \(deploy.tagChangeText)"
                )
            ]
            if let flux = env?.flux {
                steps.append(
                    (
                        "reconcile",
                        "🔄 Reconcile requested: Flux GitRepository `\(e(flux.namespace))/\(e(flux.gitRepository))` and Kustomization `\(e(flux.namespace))/\(e(flux.kustomization))` (`reconcile.fluxcd.io/requestedAt`)"
                    ))
            }
            return steps
        case .rollingOut:
            guard let progress = deploy.progress else {
                return [("applied", "🚢 Flux applied the commit; rolling out")]
            }
            return [("rollout:\(progress)", "🚢 Rollout: \(e(progress))")]
        case .verifying:
            var text =
                "🔎 Rolled out; watching the stability window (\(DeployMessageRenderer.duration(stabilityWindowSeconds)))"
            if let values = Self.verificationText(deploy) { text += "\n" + values }
            return [("verifying", text)]
        case .succeeded:
            var text = "✅ Live: `\(e(deploy.targetTag))`"
            if let finished = deploy.finishedAt {
                text += " after \(DeployMessageRenderer.duration(finished.timeIntervalSince(deploy.createdAt)))"
            }
            if let values = Self.verificationText(deploy) { text += "\n" + values }
            return [("succeeded", text)]
        case .failed:
            guard let failure = deploy.failure else { return [("failed", "❌ Failed")] }
            var text = "❌ *\(e(failure.title))*\n\(e(failure.summary))"
            if let runbook = failure.runbook {
                text +=
                    "\n📖 "
                    + (runbooksBaseURL.isEmpty
                        ? "Runbook: `\(e(runbook))`"
                        : SlackText.link("\(runbooksBaseURL)/\(runbook)", label: "Runbook: \(runbook)"))
            }
            return [("failed", text)]
        case .cancelled, .superseded, .rolledBack, .blocked:
            return [
                (
                    deploy.state.rawValue,
                    "⚪️ \(deploy.state.label.capitalized)" + (deploy.noteText.map { ": \($0)" } ?? "")
                )
            ]
        case .held:
            return [("held", "⏸️ Held" + (deploy.note.map { ": \($0)" } ?? ""))]
        case .requested, .awaitingApproval:
            return []
        }
    }

    /// The verification values (the checks' samples over the window, `verify`) as escaped mrkdwn lines, e.g.
    /// "• error rate (≤ 0.01): 0.002, 0.003"; nil before the first sample or without checks.
    static func verificationText(_ deploy: Deploy) -> String? {
        guard let record = deploy.verification, !record.checks.isEmpty, record.samples > 0 else { return nil }
        return record.valuesText.split(separator: "\n").map { "• " + SlackText.escape(String($0)) }
            .joined(separator: "\n")
    }

    /// The outbox messages for `deploy`'s new state: one per step, after the deploy message's own edits.
    func messages(for deploy: Deploy, now: Date) -> [OutboxMessage] {
        entries(for: deploy).map { step, text in
            let body = SlackMessage(
                text: DeployMessageRenderer.plain(text),
                blocks: [.section(SlackText.truncate(text, to: BlockKitLimits.sectionText))])
            return OutboxMessage(
                key: "\(deploy.id):thread:\(step)", deployId: deploy.id, target: .threadReply,
                payload: OutboxPayload(deployId: deploy.id, message: body).encoded(),
                orderingKey: "msg:\(deploy.id)", createdAt: now)
        }
    }
}
