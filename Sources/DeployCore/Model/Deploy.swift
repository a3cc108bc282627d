import Foundation

/// Whether a deploy moves forward or pins an earlier tag.
public enum DeployKind: String, Sendable, Codable, Hashable {
    case deploy
    case rollback
}

/// Who or what asked for a deploy.
public enum DeploySource: String, Sendable, Codable, Hashable {
    case slack
    case ci
}

/// The git author of the application commit being deployed (from CI).
public struct CommitAuthor: Sendable, Codable, Hashable {
    public var name: String
    public var email: String?
    public init(name: String, email: String?) {
        self.name = name
        self.email = email
    }
}

/// Where the deploy's Slack message lives, for `chat.update`.
public struct SlackMessageRef: Sendable, Codable, Hashable {
    public var channel: String
    public var ts: String
    public init(channel: String, ts: String) {
        self.channel = channel
        self.ts = ts
    }
}

/// A failure as recorded and shown: a stable cause code plus human text and the runbook file.
public struct FailureRecord: Sendable, Codable, Hashable {
    /// Stable machine code, e.g. `memory_limit`, `missing_secret`, `commit_failed`.
    public var cause: String
    public var title: String
    public var summary: String
    /// Runbook file name in `runbooks/`, e.g. `memory-limits.md`.
    public var runbook: String?

    public init(cause: String, title: String, summary: String, runbook: String? = nil) {
        self.cause = cause
        self.title = title
        self.summary = summary
        self.runbook = runbook
    }
}

/// An approval requested for a deploy and its outcome.
public struct Approval: Sendable, Codable, Hashable {
    /// The opaque id put on the Approve/Deny buttons; never data the server trusts.
    public var token: String
    public var expiresAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
    public var approved: Bool?

    public init(token: String, expiresAt: Date, decidedBy: String? = nil, decidedAt: Date? = nil, approved: Bool? = nil)
    {
        self.token = token
        self.expiresAt = expiresAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.approved = approved
    }
}

/// One deploy (or rollback) of a service to an environment, from request to result.
public struct Deploy: Sendable, Codable, Hashable, Identifiable {
    public var id: String
    public var service: String
    public var environment: String
    public var kind: DeployKind
    public var source: DeploySource
    /// The image tag this deploy puts in place.
    public var targetTag: String
    /// The tag that was current when the deploy was committed (or requested, before that).
    public var previousTag: String?
    /// Application commit the image was built from (CI's `sha`), when known.
    public var sourceCommit: String?
    public var author: CommitAuthor?
    public var commitMessage: String?
    /// Slack user id of the requester, or `ci`.
    public var requestedBy: String
    public var requestedByName: String?
    public var channelId: String?
    public var channelName: String?
    public var responseURL: String?
    public var state: DeployState
    public var approval: Approval?
    /// The GitOps commit that carries this deploy, once pushed.
    public var gitCommit: String?
    public var failure: FailureRecord?
    public var message: SlackMessageRef?
    /// Rollout progress for the live message, e.g. "2/3 pods updated".
    public var progress: String?
    /// Free-form note shown with the state, e.g. why it was cancelled.
    public var note: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var committedAt: Date?
    public var rolledOutAt: Date?
    public var finishedAt: Date?
    /// What verification against metrics saw, in environments with `verify` (see `isVerified`).
    public var verification: VerificationRecord?
    /// Optimistic-concurrency version, incremented by every stored update.
    public var version: Int

    public init(
        id: String, service: String, environment: String, kind: DeployKind, source: DeploySource, targetTag: String,
        previousTag: String? = nil, sourceCommit: String? = nil, author: CommitAuthor? = nil,
        commitMessage: String? = nil, requestedBy: String, requestedByName: String? = nil, channelId: String? = nil,
        channelName: String? = nil, responseURL: String? = nil, state: DeployState = .requested,
        approval: Approval? = nil, createdAt: Date
    ) {
        self.id = id
        self.service = service
        self.environment = environment
        self.kind = kind
        self.source = source
        self.targetTag = targetTag
        self.previousTag = previousTag
        self.sourceCommit = sourceCommit
        self.author = author
        self.commitMessage = commitMessage
        self.requestedBy = requestedBy
        self.requestedByName = requestedByName
        self.channelId = channelId
        self.channelName = channelName
        self.responseURL = responseURL
        self.state = state
        self.approval = approval
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.version = 0
    }

    /// `service/environment`, the key of everything per-environment.
    public var target: EnvironmentKey { EnvironmentKey(service: service, environment: environment) }

    /// Failed before anything reached git (e.g. the GitOps remote was unavailable): the cluster never saw it, so
    /// running it again is safe.
    public var failedBeforeCommit: Bool { state == .failed && gitCommit == nil }
}

/// Identifies one environment of one service.
public struct EnvironmentKey: Sendable, Codable, Hashable, CustomStringConvertible {
    public var service: String
    public var environment: String
    public init(service: String, environment: String) {
        self.service = service
        self.environment = environment
    }
    public var description: String { "\(service)/\(environment)" }
}
