import DeployCore
import SlipwayStore

extension DeployMessageRenderer.Context {
    /// What the renderer needs beyond the deploy: who wrote the commit (a mention when Slipway finds the Slack
    /// user) and, for a failed deploy, the tag a rollback would restore.
    static func loading(for deploy: Deploy, store: any Store, authors: AuthorDirectory) async throws -> Self {
        var context = Self()
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
        }
        return context
    }
}
