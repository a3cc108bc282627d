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
            await pacing.wait(channel: ref.channel)
            do {
                try await DeliveryFailure.slack {
                    try await slack.update(channel: ref.channel, ts: ref.ts, message: body)
                }
                sent.remember(body, deployId: deploy.id, ref: ref)
                try await recordDelivery(outboxKey, deployId: deploy.id, newReference: newReference)
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
        await pacing.wait(channel: channel)
        let posted = try await DeliveryFailure.slack { try await slack.postMessage(channel: channel, message: body) }
        let ref = SlackMessageRef(channel: posted.channel, ts: posted.ts)
        sent.posted(deployId: deploy.id, ref: ref)
        sent.remember(body, deployId: deploy.id, ref: ref)
        try await recordDelivery(outboxKey, deployId: deploy.id, newReference: ref)
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
