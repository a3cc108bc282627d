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

    /// The deploy's one message in the deploy channel.
    func liveMessage(for deploy: Deploy) async throws -> SlackMessage {
        renderer.liveMessage(for: deploy, context: try await context(for: deploy), now: clock())
    }

    /// The DM that tells on-call about the deploy's failure.
    func failureDirectMessage(for deploy: Deploy) async throws -> SlackMessage {
        renderer.failureDirectMessage(for: deploy, context: try await context(for: deploy), now: clock())
    }

    private func context(for deploy: Deploy) async throws -> DeployMessageRenderer.Context {
        var context = DeployMessageRenderer.Context()
        if let author = deploy.author {
            context.authorMention = await authors.mention(for: author)
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
        }
        return context
    }
}
