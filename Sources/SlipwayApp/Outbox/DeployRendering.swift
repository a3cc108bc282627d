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

    /// The deploy's one message in the deploy channel.
    func liveMessage(for deploy: Deploy) async throws -> SlackMessage {
        renderer.liveMessage(for: deploy, context: try await context(for: deploy), now: clock())
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
        if deploy.state == .failed {
            let history = try await store.executor.run {
                try store.read { r in
                    try r.deploys(
                        service: deploy.service, environment: deploy.environment, state: .succeeded, limit: 50)
                }
            }
            context.rollbackTag = LastKnownGood.tag(current: deploy.targetTag, history: history) ?? deploy.previousTag
            if let onCall, onCall.usesPagerDuty { context.onCallLine = await onCall.roster().line }
        }
        return context
    }
}
