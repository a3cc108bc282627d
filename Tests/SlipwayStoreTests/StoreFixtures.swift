import DeployCore
import Foundation

/// Domain values for store tests. Dates are whole milliseconds, the store's resolution.
enum StoreFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000.123)

    static func at(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: (t0.timeIntervalSince1970 * 1000 + seconds * 1000).rounded() / 1000)
    }

    static func newId() -> String { "d-" + UUID().uuidString.prefix(12).lowercased() }

    static func deploy(
        id: String = newId(), service: String = "api", environment: String = "staging",
        state: DeployState = .requested, createdAt: Date = t0
    ) -> Deploy {
        Deploy(
            id: id, service: service, environment: environment, kind: .deploy, source: .slack, targetTag: "v1.2.3",
            requestedBy: "U0ALICE", state: state, createdAt: createdAt)
    }

    /// A deploy with every optional field and nested value set.
    static func fullDeploy() -> Deploy {
        var deploy = Deploy(
            id: "d-full-1", service: "shop", environment: "prod", kind: .rollback, source: .ci, targetTag: "v2.0.1",
            previousTag: "v2.0.0", sourceCommit: "0123456789abcdef0123456789abcdef01234567",
            author: CommitAuthor(name: "Ada Lovelace", email: "ada@example.com"),
            commitMessage: "Fix checkout\n\nLonger body with ünïcödé and 'quotes' and $1 ?1",
            requestedBy: "U0BOB", requestedByName: "bob", channelId: "C0DEPLOYS", channelName: "deploys",
            responseURL: "https://hooks.slack.com/commands/T0/1/abc", state: .awaitingApproval,
            approval: Approval(
                token: "tok-123", expiresAt: at(900), decidedBy: "U0CAROL", decidedAt: at(60), approved: false),
            createdAt: at(-30))
        deploy.gitCommit = "fedcba9876543210fedcba9876543210fedcba98"
        deploy.failure = FailureRecord(
            cause: "memory_limit", title: "Out of memory", summary: "Container api was OOMKilled",
            runbook: "memory-limits.md")
        deploy.message = SlackMessageRef(channel: "C0DEPLOYS", ts: "1750000000.000100")
        deploy.progress = "2/3 pods updated"
        deploy.note = "cancelled by bob"
        deploy.updatedAt = at(61)
        deploy.committedAt = at(1)
        deploy.rolledOutAt = at(2)
        deploy.finishedAt = at(3)
        return deploy
    }

    static func message(
        _ key: String, orderingKey: String? = nil, createdAt: Date = t0, nextAttemptAt: Date? = nil
    ) -> OutboxMessage {
        var message = OutboxMessage(
            key: key, deployId: "d-1", target: .channelMessage,
            payload: #"{"channel":"C0DEPLOYS","text":"\#(key)"}"#, orderingKey: orderingKey, createdAt: createdAt)
        if let nextAttemptAt { message.nextAttemptAt = nextAttemptAt }
        return message
    }

    static func image(
        service: String = "api", sha: String, tag: String, builtAt: Date = t0
    ) -> BuiltImage {
        BuiltImage(
            service: service, repo: "nortinia/\(service)", sha: sha, tag: tag,
            image: "ghcr.io/nortinia/\(service):\(tag)",
            author: CommitAuthor(name: "Ada", email: nil), message: "Build \(tag)", builtAt: builtAt)
    }
}
