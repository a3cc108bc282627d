import DeployCore
import Foundation

/// How each domain value maps to table columns: the select lists, the parameter lists in the same order, and the
/// decoders. Shared by both stores, so a field added here is stored the same way everywhere.
enum StoreRows {
    // MARK: Deploy

    /// Every `deploys` column except `seq`; `id` is first and `version` last.
    static let deployColumnNames = [
        "id", "service", "environment", "kind", "source", "target_tag", "previous_tag", "source_commit",
        "author_name", "author_email", "commit_message", "requested_by", "requested_by_name", "channel_id",
        "channel_name", "response_url", "state", "approval_token", "approval_expires_at", "approval_decided_by",
        "approval_decided_at", "approval_approved", "git_commit", "failure_cause", "failure_title", "failure_summary",
        "failure_runbook", "message_channel", "message_ts", "progress", "note", "created_at", "updated_at",
        "committed_at", "rolled_out_at", "finished_at", "verification", "version",
    ]
    static let deployColumns = deployColumnNames.joined(separator: ", ")

    static func deployValues(_ deploy: Deploy) -> [SQLValue] {
        [
            .text(deploy.id), .text(deploy.service), .text(deploy.environment), .text(deploy.kind.rawValue),
            .text(deploy.source.rawValue), .text(deploy.targetTag), SQLValue(deploy.previousTag),
            SQLValue(deploy.sourceCommit), SQLValue(deploy.author?.name), SQLValue(deploy.author?.email),
            SQLValue(deploy.commitMessage), .text(deploy.requestedBy), SQLValue(deploy.requestedByName),
            SQLValue(deploy.channelId), SQLValue(deploy.channelName), SQLValue(deploy.responseURL),
            .text(deploy.state.rawValue), SQLValue(deploy.approval?.token), SQLValue(deploy.approval?.expiresAt),
            SQLValue(deploy.approval?.decidedBy), SQLValue(deploy.approval?.decidedAt),
            SQLValue(deploy.approval?.approved), SQLValue(deploy.gitCommit), SQLValue(deploy.failure?.cause),
            SQLValue(deploy.failure?.title), SQLValue(deploy.failure?.summary), SQLValue(deploy.failure?.runbook),
            SQLValue(deploy.message?.channel), SQLValue(deploy.message?.ts), SQLValue(deploy.progress),
            SQLValue(deploy.note), SQLValue(deploy.createdAt), SQLValue(deploy.updatedAt),
            SQLValue(deploy.committedAt), SQLValue(deploy.rolledOutAt), SQLValue(deploy.finishedAt),
            SQLValue(deploy.verification?.encoded()), SQLValue(deploy.version),
        ]
    }

    static func deploy<Row: SQLRow>(_ row: Row) throws -> Deploy {
        var author: CommitAuthor?
        if let name = row.text(at: 8) {
            author = CommitAuthor(name: name, email: row.text(at: 9))
        }
        var deploy = Deploy(
            id: try row.requiredText(at: 0, "deploy id"), service: try row.requiredText(at: 1, "service"),
            environment: try row.requiredText(at: 2, "environment"), kind: try row.enumeration(at: 3, "deploy kind"),
            source: try row.enumeration(at: 4, "deploy source"), targetTag: try row.requiredText(at: 5, "target tag"),
            previousTag: row.text(at: 6), sourceCommit: row.text(at: 7), author: author,
            commitMessage: row.text(at: 10), requestedBy: try row.requiredText(at: 11, "requested_by"),
            requestedByName: row.text(at: 12), channelId: row.text(at: 13), channelName: row.text(at: 14),
            responseURL: row.text(at: 15), state: try row.enumeration(at: 16, "deploy state"),
            createdAt: try row.requiredDate(at: 31, "created_at"))
        if let token = row.text(at: 17) {
            deploy.approval = Approval(
                token: token, expiresAt: try row.requiredDate(at: 18, "approval_expires_at"),
                decidedBy: row.text(at: 19), decidedAt: row.date(at: 20), approved: row.bool(at: 21))
        }
        deploy.gitCommit = row.text(at: 22)
        if let cause = row.text(at: 23) {
            deploy.failure = FailureRecord(
                cause: cause, title: row.text(at: 24) ?? "", summary: row.text(at: 25) ?? "", runbook: row.text(at: 26))
        }
        if let channel = row.text(at: 27), let ts = row.text(at: 28) {
            deploy.message = SlackMessageRef(channel: channel, ts: ts)
        }
        deploy.progress = row.text(at: 29)
        deploy.note = row.text(at: 30)
        deploy.updatedAt = try row.requiredDate(at: 32, "updated_at")
        deploy.committedAt = row.date(at: 33)
        deploy.rolledOutAt = row.date(at: 34)
        deploy.finishedAt = row.date(at: 35)
        deploy.verification = row.text(at: 36).flatMap(VerificationRecord.decode)
        deploy.version = try row.requiredInt(at: 37, "version")
        return deploy
    }

    /// The columns of `DeployHistory.Record`, in `deployRecord`'s order.
    static let deployRecordColumns =
        "id, target_tag, kind, state, previous_tag, git_commit, created_at, updated_at, rolled_out_at, finished_at, "
        + "verification"

    static func deployRecord<Row: SQLRow>(_ row: Row) throws -> DeployHistory.Record {
        let state: DeployState = try row.enumeration(at: 3, "deploy state")
        // Only a success can be verified: other rows skip decoding the verification JSON.
        let verification = state == .succeeded ? row.text(at: 10).flatMap(VerificationRecord.decode) : nil
        return DeployHistory.Record(
            id: try row.requiredText(at: 0, "deploy id"), targetTag: try row.requiredText(at: 1, "target tag"),
            kind: try row.enumeration(at: 2, "deploy kind"), state: state, previousTag: row.text(at: 4),
            gitCommit: row.text(at: 5), createdAt: try row.requiredDate(at: 6, "created_at"),
            updatedAt: try row.requiredDate(at: 7, "updated_at"), rolledOutAt: row.date(at: 8),
            finishedAt: row.date(at: 9), verified: Deploy.isVerified(state: state, verification: verification))
    }

    // MARK: Audit

    static let auditColumns = "deploy_id, service, environment, actor, action, detail, origin, at"

    static func auditValues(_ event: AuditEvent) -> [SQLValue] {
        [
            SQLValue(event.deployId), .text(event.service), .text(event.environment), .text(event.actor),
            .text(event.action), .text(event.detail), SQLValue(event.origin), SQLValue(event.at),
        ]
    }

    static func auditEvent<Row: SQLRow>(_ row: Row) throws -> AuditEvent {
        AuditEvent(
            deployId: row.text(at: 0), service: try row.requiredText(at: 1, "service"),
            environment: try row.requiredText(at: 2, "environment"), actor: try row.requiredText(at: 3, "actor"),
            action: try row.requiredText(at: 4, "action"), detail: try row.requiredText(at: 5, "detail"),
            origin: row.text(at: 6), at: try row.requiredDate(at: 7, "at"))
    }

    // MARK: Outbox

    static let outboxColumns =
        "key, deploy_id, channel, target, payload, status, attempts, next_attempt_at, last_error, created_at, ordering_key"

    static func outboxValues(_ message: OutboxMessage) -> [SQLValue] {
        let (channel, target) = outboxTargetColumns(message.target)
        return [
            .text(message.key), SQLValue(message.deployId), .text(channel), .text(target), .text(message.payload),
            .text(message.status.rawValue), SQLValue(message.attempts), SQLValue(message.nextAttemptAt),
            SQLValue(message.lastError), SQLValue(message.createdAt), SQLValue(message.orderingKey),
        ]
    }

    static func outboxMessage<Row: SQLRow>(_ row: Row) throws -> OutboxMessage {
        let target = outboxTarget(
            channel: try row.requiredText(at: 2, "outbox channel"), target: try row.requiredText(at: 3, "target"))
        var message = OutboxMessage(
            key: try row.requiredText(at: 0, "outbox key"), deployId: row.text(at: 1), target: target,
            payload: try row.requiredText(at: 4, "payload"), orderingKey: row.text(at: 10),
            createdAt: try row.requiredDate(at: 9, "created_at"))
        message.status = try row.enumeration(at: 5, "outbox status")
        message.attempts = try row.requiredInt(at: 6, "attempts")
        message.nextAttemptAt = try row.requiredDate(at: 7, "next_attempt_at")
        message.lastError = row.text(at: 8)
        return message
    }

    /// The `channel` and `target` columns of an outbox row. These are the values every version of Slipway has
    /// written (a replica of the previous version may deliver rows this one queued): never change them.
    static func outboxTargetColumns(_ target: OutboxTarget) -> (channel: String, target: String) {
        switch target {
        case .deployMessage: (OutboxChannel.slack.rawValue, "deploy.message")
        case .directMessage: (OutboxChannel.slack.rawValue, "dm")
        case .channelMessage: (OutboxChannel.slack.rawValue, "chat.postMessage")
        case .ephemeralMessage: (OutboxChannel.slack.rawValue, "chat.postEphemeral")
        case .response(let url): (OutboxChannel.slackResponse.rawValue, url.url)
        case .pageTrigger: (OutboxChannel.pagerDuty.rawValue, "trigger")
        case .pageResolve: (OutboxChannel.pagerDuty.rawValue, "resolve")
        case .threadReply: (OutboxChannel.slack.rawValue, "thread.reply")
        case .unrecognized(let channel, let target): (channel, target)
        }
    }

    /// The target an outbox row's `channel` and `target` columns name; `.unrecognized` for values this version
    /// does not know, so one odd row fails on its own instead of stopping every delivery.
    static func outboxTarget(channel: String, target: String) -> OutboxTarget {
        switch (OutboxChannel(rawValue: channel), target) {
        case (.slack, "deploy.message"): .deployMessage
        case (.slack, "dm"): .directMessage
        case (.slack, "chat.postMessage"): .channelMessage
        case (.slack, "chat.postEphemeral"): .ephemeralMessage
        case (.slackResponse, _): .response(ResponseURL(target))
        case (.pagerDuty, "trigger"): .pageTrigger
        case (.pagerDuty, "resolve"): .pageResolve
        case (.slack, "thread.reply"): .threadReply
        default: .unrecognized(channel: channel, target: target)
        }
    }

    // MARK: Environments and locks

    static let environmentColumns = "service, environment, current_tag, live_tag, updated_at"

    static func environmentValues(_ record: EnvironmentRecord) -> [SQLValue] {
        [
            .text(record.service), .text(record.environment), SQLValue(record.currentTag), SQLValue(record.liveTag),
            SQLValue(record.updatedAt),
        ]
    }

    static func environment<Row: SQLRow>(_ row: Row) throws -> EnvironmentRecord {
        EnvironmentRecord(
            service: try row.requiredText(at: 0, "service"), environment: try row.requiredText(at: 1, "environment"),
            currentTag: row.text(at: 2), liveTag: row.text(at: 3), updatedAt: try row.requiredDate(at: 4, "updated_at"))
    }

    static let lockColumns = "service, environment, reason, locked_by, locked_at, expires_at"

    static func lockValues(_ lock: EnvironmentLock) -> [SQLValue] {
        [
            .text(lock.service), .text(lock.environment), .text(lock.reason), .text(lock.lockedBy),
            SQLValue(lock.lockedAt), SQLValue(lock.expiresAt),
        ]
    }

    static func lock<Row: SQLRow>(_ row: Row) throws -> EnvironmentLock {
        EnvironmentLock(
            service: try row.requiredText(at: 0, "service"), environment: try row.requiredText(at: 1, "environment"),
            reason: try row.requiredText(at: 2, "reason"), lockedBy: try row.requiredText(at: 3, "locked_by"),
            lockedAt: try row.requiredDate(at: 4, "locked_at"), expiresAt: row.date(at: 5))
    }

    // MARK: Images

    static let imageColumns = "service, repo, sha, tag, image, author_name, author_email, message, built_at"

    static func imageValues(_ image: BuiltImage) -> [SQLValue] {
        [
            .text(image.service), .text(image.repo), .text(image.sha), .text(image.tag), SQLValue(image.image),
            SQLValue(image.author?.name), SQLValue(image.author?.email), SQLValue(image.message),
            SQLValue(image.builtAt),
        ]
    }

    static func image<Row: SQLRow>(_ row: Row) throws -> BuiltImage {
        var author: CommitAuthor?
        if let name = row.text(at: 5) {
            author = CommitAuthor(name: name, email: row.text(at: 6))
        }
        return BuiltImage(
            service: try row.requiredText(at: 0, "service"), repo: try row.requiredText(at: 1, "repo"),
            sha: try row.requiredText(at: 2, "sha"), tag: try row.requiredText(at: 3, "tag"), image: row.text(at: 4),
            author: author, message: row.text(at: 7), builtAt: try row.requiredDate(at: 8, "built_at"))
    }

    /// `$first, $first+1, …` for `count` parameters.
    static func placeholders(_ count: Int, from first: Int = 1) -> String {
        (first..<(first + count)).map { "$\($0)" }.joined(separator: ", ")
    }
}
