import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Keeps each deploy's one message in the deploy channel: posts it, then edits it in place.
///
/// The message is rendered from the deploy as it is when delivered, so after an outage the first delivery already
/// shows the latest state and the queued edits that would send the same content again are skipped. A message
/// someone deleted is posted again.
struct DeployMessageSender: Sendable {
    let deployChannel: String
    let slack: SlackWebClient
    let rendering: DeployRendering
    let pacing: ChannelPacing
    let store: any Store
    let clock: @Sendable () -> Date
    let log: Log
    private let sent = DeployMessageMemory()

    init(
        deployChannel: String, slack: SlackWebClient, rendering: DeployRendering, pacing: ChannelPacing,
        store: any Store, clock: @escaping @Sendable () -> Date, log: Log
    ) {
        self.deployChannel = deployChannel
        self.slack = slack
        self.rendering = rendering
        self.pacing = pacing
        self.store = store
        self.clock = clock
        self.log = log
    }

    /// Brings the deploy's message up to date and records the outbox message `outboxKey` delivered.
    func send(deployId: String, outboxKey: String) async throws {
        guard let deploy = try await store.deploy(id: deployId) else {
            throw DeliveryFailure.permanent("deploy \(deployId) not found")
        }
        let body = try await rendering.liveMessage(for: deploy)
        // A post whose reference could not be stored yet is remembered here, so a retry edits it instead of posting
        // a second message.
        if let ref = deploy.message ?? sent.reference(deployId: deploy.id) {
            let newReference = deploy.message == nil ? ref : nil
            if sent.alreadyShows(body, deployId: deploy.id, ref: ref) {
                try await recordDelivery(outboxKey, deployId: deploy.id, newReference: newReference)
                return
            }
            do {
                try await edit(ref, to: body, of: deploy, outboxKey: outboxKey, newReference: newReference)
                return
            } catch let failure as DeliveryFailure where failure.code == "message_not_found" {
                // Someone deleted the message: post a new one rather than leave the deploy without a message.
                log.warning(
                    "the deploy message was deleted; posting it again",
                    metadata: [
                        "deploy": deploy.id, "outbox": outboxKey, "destination": "\(OutboxTarget.deployMessage)",
                    ])
            }
        }
        let channel = deployChannel
        // A post that may have reached Slack before (it timed out, or the process died waiting for the answer) is
        // looked up by its metadata first: the deploy keeps one message.
        let marker = "slack-post:\(deploy.id)"
        let now = clock()
        let store = self.store
        if try await store.executor.run({ try store.read { r in try r.cachedValue(key: marker, now: now) } }) != nil,
            let ref = try await earlierPost(of: deploy, channel: channel, outboxKey: outboxKey)
        {
            sent.posted(deployId: deploy.id, ref: ref)
            try await edit(ref, to: body, of: deploy, outboxKey: outboxKey, newReference: ref)
            return
        }
        // Written before the post, so a restart knows a post may have gone out.
        try await store.executor.run {
            try store.write { w in
                try w.setCachedValue(key: marker, value: "posting", expiresAt: now.addingTimeInterval(7 * 86_400))
            }
        }
        await pacing.wait(channel: channel)
        let metadata = Self.metadata(deployId: deploy.id)
        let posted = try await DeliveryFailure.slack {
            try await slack.postMessage(channel: channel, message: body, metadata: metadata)
        }
        let ref = SlackMessageRef(channel: posted.channel, ts: posted.ts)
        sent.posted(deployId: deploy.id, ref: ref)
        sent.remember(body, deployId: deploy.id, ref: ref)
        try await recordDelivery(outboxKey, deployId: deploy.id, newReference: ref)
    }

    /// Replaces the deploy's message at `ref` with `body` (paced per channel), remembers what it shows, and records
    /// the outbox message delivered together with `newReference` (nil when the stored reference is already `ref`).
    private func edit(
        _ ref: SlackMessageRef, to body: SlackMessage, of deploy: Deploy, outboxKey: String,
        newReference: SlackMessageRef?
    ) async throws {
        await pacing.wait(channel: ref.channel)
        try await DeliveryFailure.slack {
            try await slack.update(
                channel: ref.channel, ts: ref.ts, message: body, metadata: Self.metadata(deployId: deploy.id))
        }
        sent.remember(body, deployId: deploy.id, ref: ref)
        try await recordDelivery(outboxKey, deployId: deploy.id, newReference: newReference)
    }

    /// The metadata `event_type` of deploy messages.
    static let eventType = "slipway_deploy"

    /// The metadata that identifies the deploy's message in the channel's history.
    static func metadata(deployId: String) -> SlackMessageMetadata {
        SlackMessageMetadata(eventType: eventType, payload: ["deploy_id": deployId])
    }

    /// The deploy's message, when an earlier post reached the channel: found by its metadata in the history since
    /// the deploy was created. Without the history scope, posts again (as before the lookup existed).
    private func earlierPost(of deploy: Deploy, channel: String, outboxKey: String) async throws -> SlackMessageRef? {
        do {
            let found = try await slack.recentMessages(
                channel: channel, oldest: deploy.createdAt, eventType: Self.eventType)
            guard let match = found.last(where: { $0.payload["deploy_id"] == deploy.id }) else { return nil }
            log.info(
                "found the deploy message an interrupted post had left; editing it instead of posting again",
                metadata: ["deploy": deploy.id, "outbox": outboxKey, "destination": "\(OutboxTarget.deployMessage)"])
            return SlackMessageRef(channel: channel, ts: match.ts)
        } catch let error where !error.isRetryable {
            log.warning(
                "cannot read the channel history to find an earlier post (add the channels:history scope); posting",
                metadata: ["deploy": deploy.id, "outbox": outboxKey, "error": error.description])
            return nil
        } catch {
            throw DeliveryFailure(error)
        }
    }

    /// Marks the outbox message delivered and, in the same transaction, stores where the deploy's message now
    /// lives.
    private func recordDelivery(_ outboxKey: String, deployId: String, newReference: SlackMessageRef?) async throws {
        let now = clock()
        try await store.executor.run {
            try store.write { w in
                if let newReference {
                    for _ in 0..<5 {
                        guard var current = try w.deploy(id: deployId) else { break }
                        if current.message == newReference { break }
                        current.message = newReference
                        if try w.update(current) != nil { break }
                    }
                }
                try w.markDelivered(key: outboxKey, at: now)
            }
        }
        if newReference != nil { sent.stored(deployId: deployId) }
    }
}
