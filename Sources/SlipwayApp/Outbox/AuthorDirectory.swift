import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Finds the Slack user behind a commit author, to mention them in the deploy message: the configured `people`
/// table first, then Slack's `users.lookupByEmail`, whose answers (found or not) are cached in the store.
struct AuthorDirectory: Sendable {
    /// Git author email → Slack user id, keyed by lower-cased email.
    let people: [String: String]
    let slack: SlackWebClient
    let store: any Store
    let clock: @Sendable () -> Date
    let log: Log
    /// Shared with the outbox: a Slack that cannot be reached is logged once for lookups and deliveries together.
    let warnings: RepeatedWarnings
    /// The `RepeatedWarnings` key of every Slack Web API call.
    static let slackAPI = RepeatedWarnings.outsideService("Slack API")

    init(
        people: [String: String], slack: SlackWebClient, store: any Store, clock: @escaping @Sendable () -> Date,
        log: Log, warnings: RepeatedWarnings = RepeatedWarnings(interval: RepeatedWarnings.outsideServiceInterval)
    ) {
        // Git author emails are compared lower-cased; so are the keys of the `people` table.
        self.people = Dictionary(
            people.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.slack = slack
        self.store = store
        self.clock = clock
        self.log = log
        self.warnings = warnings
    }

    /// The author as a mention when Slipway can find the Slack user, else their escaped name.
    func mention(for author: CommitAuthor) async -> String {
        let fallback = SlackText.escape(author.name)
        guard let email = author.email?.lowercased(), email.contains("@") else { return fallback }
        if let id = people[email] { return SlackText.mention(userId: id) }
        let key = "slack-user:\(email)"
        let now = clock()
        if let cached = try? await store.executor.run({ try store.read { r in try r.cachedValue(key: key, now: now) } })
        {
            return cached.isEmpty ? fallback : SlackText.mention(userId: cached)
        }
        do {
            let id = try await slack.lookupUserByEmail(email)
            // Not found is cached too, for less long: the person may join Slack.
            let expiresAt = now.addingTimeInterval(id == nil ? 3600 : 86_400)
            _ = try? await store.executor.run {
                try store.write { w in try w.setCachedValue(key: key, value: id ?? "", expiresAt: expiresAt) }
            }
            if let line = warnings.success(Self.slackAPI, now: clock()) { log.info(line) }
            return id.map { SlackText.mention(userId: $0) } ?? fallback
        } catch {
            // Slack unreachable or failing counts with the deliveries; anything else (a missing scope) on its own.
            let key =
                error.isRetryable
                ? Self.slackAPI : RepeatedWarnings.Key(what: "users.lookupByEmail", subject: error.code)
            let detail = "\(error.description) (the author is named, not mentioned; at most one line per 10 min)"
            if let line = warnings.failure(key, detail, now: clock()) {
                log.warning(line, metadata: ["error": error.description])
            }
            return fallback
        }
    }
}
