import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Sends the one-off Slack messages: failure DMs, channel posts, ephemeral notes and `response_url` replies. The
/// deliverer records them delivered, and remembers what it sent until it can.
struct SlackMessageSender: Sendable {
    let slack: SlackWebClient
    let rendering: DeployRendering
    let pacing: ChannelPacing
    let store: any Store
    let clock: @Sendable () -> Date
    /// Seconds a `response_url` may take: a hanging one must not hold its lane for long.
    var responseTimeout: Double = 5
    /// Who is on call, for a DM addressed to `OnCallRoster.currentOnCall`.
    var onCall: OnCallDirectory? = nil
    /// The people a DM addressed to whoever is on call already got, so a retry after a partial failure does not
    /// repeat it to them.
    private let directMessaged = DirectMessageMemory()

    /// DMs `user` the summary of the deploy's failure, with its Rollback button.
    func sendFailureSummary(to user: String, deployId: String, outboxKey: String) async throws {
        guard let deploy = try await store.deploy(id: deployId) else {
            throw DeliveryFailure.permanent("DM without user or deploy")
        }
        guard user == OnCallRoster.currentOnCall else {
            let body = try await rendering.failureDirectMessage(for: deploy)
            let dm = try await DeliveryFailure.slack { try await slack.openConversation(users: [user]) }
            try await DeliveryFailure.slack { try await slack.postMessage(channel: dm, message: body) }
            return
        }
        let roster = await onCall?.roster() ?? OnCallRoster(userIds: [], source: .configured)
        let body = try await rendering.failureDirectMessage(for: deploy, onCall: roster)
        for person in roster.userIds where !directMessaged.contains(outboxKey, person) {
            let dm = try await DeliveryFailure.slack { try await slack.openConversation(users: [person]) }
            try await DeliveryFailure.slack { try await slack.postMessage(channel: dm, message: body) }
            directMessaged.insert(outboxKey, person)
        }
    }

    func post(_ body: SlackMessage, channel: String, outboxKey: String) async throws {
        await pacing.wait(channel: channel)
        try await DeliveryFailure.slack { try await slack.postMessage(channel: channel, message: body) }
    }

    func postEphemeral(_ body: SlackMessage, channel: String, user: String, outboxKey: String) async throws {
        try await DeliveryFailure.slack { try await slack.postEphemeral(channel: channel, user: user, message: body) }
    }

    func respond(_ body: SlackMessage, to url: ResponseURL, outboxKey: String) async throws {
        try await DeliveryFailure.slack {
            try await slack.respond(responseURL: url.url, message: body, timeout: responseTimeout)
        }
    }
}
