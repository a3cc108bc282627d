import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Posts the steps of a deploy's log in the thread of its message. A step shares the deploy message's ordering key,
/// so it is sent after the message it answers was posted (and after the edits queued before it); it is paced with
/// the channel's other posts.
struct ThreadLogSender: Sendable {
    let slack: SlackWebClient
    let pacing: ChannelPacing
    let store: any Store

    func send(_ body: SlackMessage, deployId: String, outboxKey: String) async throws {
        guard let deploy = try await store.deploy(id: deployId) else {
            throw DeliveryFailure.permanent("deploy \(deployId) not found")
        }
        // The message's own deliveries went first (same ordering key): without a reference it was never posted.
        guard let parent = deploy.message else {
            throw DeliveryFailure.permanent("the deploy message was never posted, so its thread cannot be")
        }
        var body = body
        if outboxKey.hasSuffix(":thread:failed") {
            // The whole diagnosis the rollout watch kept: pods, container states and messages, Warning events.
            let key = DiagnosisReport.cacheKey(deployId: deployId)
            let now = Date()
            let store = self.store
            if let report = try await store.executor.run({
                try store.read { r in try r.cachedValue(key: key, now: now) }
            }),
                !report.isEmpty
            {
                let sections = DiagnosisReport.sections("*Diagnosis*\n" + report).map { SlackBlock.section($0) }
                body = SlackMessage(text: body.text, blocks: body.blocks + sections)
            }
        }
        await pacing.wait(channel: parent.channel)
        try await DeliveryFailure.slack {
            try await slack.postReply(channel: parent.channel, threadTs: parent.ts, message: body)
        }
    }
}
