import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Renders a deploy's messages from what is known when they are sent: the deploy as it is now, who wrote its
/// commit (a mention when Slipway finds the Slack user) and, for a failed deploy, the tag a rollback would restore.
struct DeployRendering: Sendable {
    let renderer: DeployMessageRenderer
    let authors: AuthorDirectory
    let store: any Store
    let clock: @Sendable () -> Date
    /// Who is on call, named in a failed deploy's messages.
    var onCall: OnCallDirectory? = nil
    /// The services, for a request waiting for approval: its approvers and how many approvals it needs.
    var catalog: Catalog? = nil

    /// The deploy's one message in the deploy channel; while it waits for approval, the request with its buttons.
    func liveMessage(for deploy: Deploy) async throws -> SlackMessage {
        if deploy.state == .awaitingApproval,
            let env = catalog?[deploy.target]
        {
            let store = self.store
            let approvedBy = try await store.executor.run {
                try store.read { r in try r.auditEvents(deployId: deploy.id) }
            }.filter { $0.action == "approved-by" }.map(\.actor)
            return renderer.approvalRequest(
                for: deploy, approvers: env.approvers, needed: env.approvalsPerRequest, approvedBy: approvedBy)
        }
        return renderer.liveMessage(for: deploy, context: try await context(for: deploy), now: clock())
    }

    /// The DM that tells on-call about the deploy's failure.
    func failureDirectMessage(for deploy: Deploy) async throws -> SlackMessage {
        renderer.failureDirectMessage(for: deploy, context: try await context(for: deploy), now: clock())
    }

    /// The DM to the people on call in `roster`, saying so when they are the fallback list.
    func failureDirectMessage(for deploy: Deploy, onCall roster: OnCallRoster) async throws -> SlackMessage {
        var context = try await context(for: deploy)
        context.onCallLine = roster.line
        context.onCallNote = roster.fallbackNote
        return renderer.failureDirectMessage(for: deploy, context: context, now: clock())
    }

    private func context(for deploy: Deploy) async throws -> DeployMessageRenderer.Context {
        var context = DeployMessageRenderer.Context()
        if let author = deploy.author {
            context.authorMention = await authors.mention(for: author)
        }
        if deploy.state == .succeeded, deploy.kind == .deploy {
            let authors = try await promotedAuthors(deploy)
            if authors.count > 1 {
                var mentions: [String] = []
                for author in authors.prefix(DeployMessageRenderer.maxAuthors) {
                    mentions.append(await self.authors.mention(for: author))
                }
                context.promotedAuthors = mentions
                context.moreAuthors = max(0, authors.count - DeployMessageRenderer.maxAuthors)
            }
        }
        if deploy.state == .failed {
            let deploys = try await store.executor.run {
                try store.read { r in
                    try r.recentDeploys(service: deploy.service, environment: deploy.environment, limit: 100)
                }
            }
            // Only a tag that succeeded here, never the failing one: without one, no button (the message says why).
            let history = DeployHistory(currentTag: deploy.targetTag, deploys: deploys)
            context.rollbackTag = history.safeRollbackTarget(excluding: [deploy.targetTag])?.tag
            context.offersRollback = true
            if let onCall, onCall.usesPagerDuty { context.onCallLine = await onCall.roster().line }
        }
        return context
    }

    /// For a promotion: the authors of every commit whose image ran in the source environment after the old tag,
    /// up to and including the new one, newest first and each once. Empty when the tag was not promoted.
    private func promotedAuthors(_ deploy: Deploy) async throws -> [CommitAuthor] {
        let all = try await store.executor.run {
            try store.read { r in try r.recentDeploys(service: deploy.service, environment: nil, limit: 200) }
        }
        // The source is the other environment where the new tag ran before (`promoteFrom`).
        guard
            let sourceNew =
                all
                .filter({
                    $0.environment != deploy.environment && $0.targetTag == deploy.targetTag
                        && $0.gitCommit != nil && $0.createdAt < deploy.createdAt
                })
                .max(by: { $0.createdAt < $1.createdAt })
        else { return [] }
        let source = all.filter { $0.environment == sourceNew.environment && $0.createdAt <= sourceNew.createdAt }
        let oldStart =
            deploy.previousTag.flatMap { old in
                source.filter { $0.targetTag == old }.map(\.createdAt).max()
            } ?? .distantPast
        var seen: Set<String> = []
        var authors: [CommitAuthor] = []
        for step in source.filter({ $0.createdAt > oldStart }).sorted(by: { $0.createdAt > $1.createdAt }) {
            guard let author = step.author, seen.insert(author.email ?? author.name).inserted else { continue }
            authors.append(author)
        }
        return authors
    }
}
