import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Pages on-call for a failed production deploy, and resolves the page once a later deploy fixed it. The
/// deploy's id is the PagerDuty dedup key.
struct PagerDutySender: Sendable {
    enum Action: Sendable {
        case trigger
        case resolve
    }

    let client: PagerDutyClient?
    let routingKey: String?
    let runbooksBaseURL: String
    let store: any Store
    let clock: @Sendable () -> Date
    let log: Log

    /// Sends the event (the deliverer records the outbox message `outboxKey` delivered).
    func send(_ action: Action, deployId: String, outboxKey: String) async throws {
        guard let client, let routingKey else { throw DeliveryFailure.permanent("PagerDuty is not configured") }
        guard let deploy = try await store.deploy(id: deployId) else {
            throw DeliveryFailure.permanent("deploy not found")
        }
        let resolveKey = OutboxComposer.resolveKey(deployId: deploy.id)
        if action == .trigger,
            try await store.executor.run({ try store.read { r in try r.outbox(key: resolveKey) } }) != nil
        {
            // Already fixed while PagerDuty could not be reached: nobody needs to be woken for it.
            log.info(
                "not paging: a later deploy already resolved it",
                metadata: ["deploy": deploy.id, "outbox": outboxKey, "destination": "\(OutboxTarget.pageTrigger)"])
            return
        }
        do {
            switch action {
            case .resolve: try await client.resolve(routingKey: routingKey, dedupKey: deploy.id)
            case .trigger: try await trigger(deploy, client: client, routingKey: routingKey)
            }
        } catch {
            throw DeliveryFailure(error)
        }
    }

    private func trigger(_ deploy: Deploy, client: PagerDutyClient, routingKey: String) async throws(PagerDutyError) {
        var links: [PagerDutyClient.Link] = []
        if let ref = deploy.message {
            links.append(
                .init(
                    href:
                        "https://slack.com/archives/\(ref.channel)/p\(ref.ts.replacingOccurrences(of: ".", with: ""))",
                    text: "Slack deploy message"))
        }
        if let runbook = deploy.failure?.runbook {
            links.append(.init(href: "\(runbooksBaseURL)/\(runbook)", text: "Runbook: \(runbook)"))
        }
        let cause = deploy.failure.map { "\($0.title): \($0.summary)" } ?? "unknown cause"
        _ = try await client.trigger(
            routingKey: routingKey, dedupKey: deploy.id,
            summary: "Deploy of \(deploy.service) \(deploy.targetTag) to \(deploy.environment) failed — \(cause)",
            source: "slipway/\(deploy.service)/\(deploy.environment)", severity: .error,
            component: deploy.service, group: deploy.environment, links: links,
            customDetails: [
                "deploy_id": deploy.id, "tag": deploy.targetTag, "previous_tag": deploy.previousTag ?? "",
                "gitops_commit": deploy.gitCommit ?? "", "cause": deploy.failure?.cause ?? "unknown",
            ])
    }
}
