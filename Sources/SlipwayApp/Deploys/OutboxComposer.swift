import DeployCore
import Foundation
import SlipwaySlack

/// What an outbox entry carries. Deploy messages and alerts name the deploy and are rendered when delivered, so a
/// delayed delivery shows the deploy as it is then, and a retry sends the same content.
public struct OutboxPayload: Codable, Sendable, Equatable {
    public var deployId: String?
    public var user: String?
    public var channel: String?
    public var message: SlackMessage?

    public init(deployId: String? = nil, user: String? = nil, channel: String? = nil, message: SlackMessage? = nil) {
        self.deployId = deployId
        self.user = user
        self.channel = channel
        self.message = message
    }

    /// The payload as stored: JSON that `decode(_:)` reads back (`SlackMessage`'s Codable keys are Slack's wire
    /// keys, which `writeFields` writes). Written with `JSONWriter`: this runs inside every webhook's write, where
    /// JSONEncoder was a seventh of a CI deploy's cost.
    func encoded() -> String {
        var json = JSONWriter(capacity: 64 + (message.map { 2 * $0.text.utf8.count + 160 * $0.blocks.count } ?? 0))
        json.beginObject()
        json.field("channel", channel)
        json.field("deployId", deployId)
        if let message {
            json.key("message")
            json.beginObject()
            message.writeFields(to: &json)
            json.endObject()
        }
        json.field("user", user)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func decode(_ text: String) throws -> OutboxPayload {
        try JSONDecoder().decode(OutboxPayload.self, from: Data(text.utf8))
    }
}

/// Decides which outbound messages a deploy event causes. Pure: it only builds `OutboxMessage` values.
public struct OutboxComposer: Sendable {
    public var deployChannel: String
    public var onCall: [String]
    public var pagingEnabled: Bool
    public var catalog: Catalog
    public var renderer: DeployMessageRenderer
    /// PagerDuty decides who is on call (`onCall.pagerduty`): one failure DM, addressed when it is delivered.
    public var onCallFromPagerDuty = false
    /// Each deploy message gets a thread with its step log (`slack.threadLog`); nil posts none.
    public var threadLog: ThreadLog? = nil

    public init(
        deployChannel: String, onCall: [String], pagingEnabled: Bool, catalog: Catalog,
        renderer: DeployMessageRenderer
    ) {
        self.deployChannel = deployChannel
        self.onCall = onCall
        self.pagingEnabled = pagingEnabled
        self.catalog = catalog
        self.renderer = renderer
    }

    /// The live deploy message, keyed per state (and progress) so each stage is delivered once.
    public func deployMessage(for deploy: Deploy, now: Date) -> OutboxMessage {
        var key = "\(deploy.id):msg:\(deploy.state.rawValue)"
        if deploy.state == .rollingOut || deploy.state == .reconciling, let progress = deploy.progress {
            key += ":\(progress)"
        }
        // Each verification sample (and the verdict) refreshes the message: the latest values are shown live.
        if deploy.state == .verifying, let record = deploy.verification {
            key += ":v\(record.samples):\(record.verdict.rawValue)"
        }
        return OutboxMessage(
            key: key, deployId: deploy.id, target: .deployMessage,
            payload: OutboxPayload(deployId: deploy.id).encoded(), orderingKey: "msg:\(deploy.id)", createdAt: now)
    }

    /// How long Slack accepts messages to a `response_url`: 30 minutes.
    public static let responseURLLifetime: TimeInterval = 1800

    /// The `response_url` an approval request of `deploy` is shown through, if any: the command's, when the request
    /// ends (is decided or expires) while Slack still accepts edits there. Otherwise — CI's requests, which have
    /// none, and approvals that may wait longer — the request is the deploy's own message in the deploy channel,
    /// edited in place whenever it ends.
    public func approvalResponseURL(for deploy: Deploy) -> String? {
        // The approval's timeout (`policy.approvalTimeoutSeconds`), counted from creation; submitting takes a moment.
        guard let url = deploy.responseURL, let approval = deploy.approval,
            approval.expiresAt.timeIntervalSince(deploy.createdAt) <= Self.responseURLLifetime + 5
        else { return nil }
        return url
    }

    /// The Approve/Deny request: in the channel where it was asked (via `response_url`), or as the deploy's own
    /// message in the deploy channel (see `approvalResponseURL(for:)`).
    public func approvalRequest(for deploy: Deploy, now: Date) -> [OutboxMessage] {
        guard let url = approvalResponseURL(for: deploy) else { return [deployMessage(for: deploy, now: now)] }
        let env = catalog[deploy.target]
        let message = renderer.approvalRequest(
            for: deploy, approvers: env?.approvers ?? [], needed: env?.approvalsPerRequest ?? 1)
        return [
            OutboxMessage(
                key: "\(deploy.id):approval", deployId: deploy.id, target: .response(ResponseURL(url)),
                payload: OutboxPayload(deployId: deploy.id, message: message).encoded(), createdAt: now)
        ]
    }

    /// The request's message once `have` approvals are in, when it is the deploy's own message.
    public func approvalProgress(for deploy: Deploy, have: Int, now: Date) -> OutboxMessage {
        var message = deployMessage(for: deploy, now: now)
        message.key += ":\(have)"
        return message
    }

    /// On-call DMs and, for paging environments, a PagerDuty trigger.
    public func failureAlerts(for deploy: Deploy, now: Date) -> [OutboxMessage] {
        let recipients = onCallFromPagerDuty ? [OnCallRoster.currentOnCall] : onCall
        var messages = recipients.map { user in
            OutboxMessage(
                key: "\(deploy.id):dm:\(user)", deployId: deploy.id, target: .directMessage,
                payload: OutboxPayload(deployId: deploy.id, user: user).encoded(), createdAt: now)
        }
        if pagingEnabled && pages(deploy) {
            messages.append(
                OutboxMessage(
                    key: "\(deploy.id):pd:trigger", deployId: deploy.id, target: .pageTrigger,
                    payload: OutboxPayload(deployId: deploy.id).encoded(), orderingKey: "pd:\(deploy.id)",
                    createdAt: now))
        }
        return messages
    }

    /// Resolves the page of `failed` once `resolvedBy` succeeded.
    public func resolvePage(for failed: Deploy, resolvedBy: Deploy, now: Date) -> OutboxMessage? {
        guard pagingEnabled, pages(failed), failed.failureReachedCluster else { return nil }
        return OutboxMessage(
            key: Self.resolveKey(deployId: failed.id), deployId: failed.id, target: .pageResolve,
            payload: OutboxPayload(deployId: failed.id).encoded(), orderingKey: "pd:\(failed.id)", createdAt: now)
    }

    /// The outbox key of the resolve event for the page of `deployId`.
    public static func resolveKey(deployId: String) -> String { "\(deployId):pd:resolve" }

    /// A private note to the requester in the channel they used.
    public func tellRequester(_ deploy: Deploy, text: String, now: Date) -> OutboxMessage? {
        guard let channel = deploy.channelId, deploy.source == .slack else { return nil }
        let message = SlackMessage(text: text, blocks: [])
        return OutboxMessage(
            key: "\(deploy.id):tell:\(deploy.state.rawValue)", deployId: deploy.id, target: .ephemeralMessage,
            payload: OutboxPayload(deployId: deploy.id, user: deploy.requestedBy, channel: channel, message: message)
                .encoded(), createdAt: now)
    }

    /// Production environments page on failure; others only post and DM.
    public func pages(_ deploy: Deploy) -> Bool {
        guard let env = catalog[deploy.target] else { return false }
        return env.isProduction
    }
}

extension EnvironmentEntry {
    /// Production: it needs approval, or its name says so.
    public var isProduction: Bool {
        requireApproval || ["prod", "production", "prd", "live"].contains(name)
    }
}
