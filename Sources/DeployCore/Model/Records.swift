import Foundation

/// One audited event: who did what, when and why. Every deploy transition, lock and unlock writes one.
public struct AuditEvent: Sendable, Codable, Hashable {
    public var deployId: String?
    public var service: String
    public var environment: String
    /// Slack user id, `ci`, or `slipway` for the bot itself.
    public var actor: String
    /// Short verb, e.g. `requested`, `approved`, `committed`, `locked`, `state:reconciling`.
    public var action: String
    public var detail: String
    /// Where the request came from, e.g. `slack:C0DEPLOYS`, `ci`.
    public var origin: String?
    public var at: Date

    public init(
        deployId: String?, service: String, environment: String, actor: String, action: String, detail: String,
        origin: String? = nil, at: Date
    ) {
        self.deployId = deployId
        self.service = service
        self.environment = environment
        self.actor = actor
        self.action = action
        self.detail = detail
        self.origin = origin
        self.at = at
    }
}

/// A deploy lock on an environment.
public struct EnvironmentLock: Sendable, Codable, Hashable {
    public var service: String
    public var environment: String
    public var reason: String
    public var lockedBy: String
    public var lockedAt: Date
    /// When the lock lifts itself (`/deploy lock <svc> <env> 2h <reason>`); nil: until `/deploy unlock`.
    public var expiresAt: Date?
    public init(
        service: String, environment: String, reason: String, lockedBy: String, lockedAt: Date, expiresAt: Date? = nil
    ) {
        self.service = service
        self.environment = environment
        self.reason = reason
        self.lockedBy = lockedBy
        self.lockedAt = lockedAt
        self.expiresAt = expiresAt
    }
}

/// What is known to run (or be committed) in an environment.
public struct EnvironmentRecord: Sendable, Codable, Hashable {
    public var service: String
    public var environment: String
    /// The tag last committed to the GitOps repository by Slipway (or read from it).
    public var currentTag: String?
    /// The tag of the last deploy that succeeded.
    public var liveTag: String?
    public var updatedAt: Date
    public init(service: String, environment: String, currentTag: String?, liveTag: String?, updatedAt: Date) {
        self.service = service
        self.environment = environment
        self.currentTag = currentTag
        self.liveTag = liveTag
        self.updatedAt = updatedAt
    }
}

/// An image CI reported as built: deployable to any environment of the service.
public struct BuiltImage: Sendable, Codable, Hashable {
    public var service: String
    public var repo: String
    public var sha: String
    public var tag: String
    public var image: String?
    public var author: CommitAuthor?
    public var message: String?
    public var builtAt: Date
    public init(
        service: String, repo: String, sha: String, tag: String, image: String?, author: CommitAuthor?,
        message: String?, builtAt: Date
    ) {
        self.service = service
        self.repo = repo
        self.sha = sha
        self.tag = tag
        self.image = image
        self.author = author
        self.message = message
        self.builtAt = builtAt
    }
}

/// The service that delivers an outbox message; a 429 from one holds back only its own messages.
public enum OutboxChannel: String, Sendable, Hashable {
    /// The Slack Web API.
    case slack
    /// Slack `response_url`s.
    case slackResponse = "slack_response"
    /// The PagerDuty Events API v2.
    case pagerDuty = "pagerduty"
}

/// Delivery state of an outbox message.
public enum OutboxStatus: String, Sendable, Codable, Hashable {
    case pending
    case delivered
    case failed
}

/// A durable outbound message, written in the same transaction as the state change that causes it.
public struct OutboxMessage: Sendable, Hashable {
    /// Unique delivery key, e.g. `d-1f2e:succeeded:channel`; a second enqueue with the same key is ignored.
    public var key: String
    public var deployId: String?
    /// Where the message goes.
    public var target: OutboxTarget
    /// What to send, as JSON; the deliverer reads it according to `target`.
    public var payload: String
    public var status: OutboxStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    /// Messages with the same ordering key are delivered in creation order (e.g. one deploy's message edits).
    public var orderingKey: String?

    public init(
        key: String, deployId: String?, target: OutboxTarget, payload: String, orderingKey: String? = nil,
        createdAt: Date
    ) {
        self.key = key
        self.deployId = deployId
        self.target = target
        self.payload = payload
        self.status = .pending
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.lastError = nil
        self.createdAt = createdAt
        self.orderingKey = orderingKey
    }
}
