import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore

/// Delivers the durable outbox: Slack posts and updates, DMs, `response_url` replies and PagerDuty events. One
/// worker, oldest first, one message per ordering key at a time; retryable failures (429 with `Retry-After`, 5xx,
/// timeouts) wait and retry with backoff; permanent ones are recorded as failed and shown in `/status`.
///
/// A 429 holds back every message for that service (not only the one that got it) until `Retry-After` has passed.
/// A deploy message is rendered from the deploy as it is when delivered, so after an outage the first delivery
/// already shows the latest state and the queued edits that would send the same content again are skipped.
public final class OutboxDeliverer: Sendable {
    public struct Configuration: Sendable {
        public var deployChannel: String
        /// Minimum seconds between posts or updates in one channel (Slack allows about one per second).
        public var channelPaceSeconds: Double
        /// Longest wait between retries.
        public var maxBackoffSeconds: Double
        /// Retryable failures are given up after this many attempts.
        public var maxAttempts: Int
        public var people: [String: String]
        public var pagerDutyRoutingKey: String?
        public var runbooksBaseURL: String

        public init(
            deployChannel: String, channelPaceSeconds: Double = 1, maxBackoffSeconds: Double = 300,
            maxAttempts: Int = 500, people: [String: String] = [:], pagerDutyRoutingKey: String? = nil,
            runbooksBaseURL: String
        ) {
            self.deployChannel = deployChannel
            self.channelPaceSeconds = channelPaceSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
            self.maxAttempts = maxAttempts
            self.people = people
            self.pagerDutyRoutingKey = pagerDutyRoutingKey
            self.runbooksBaseURL = runbooksBaseURL
        }
    }

    let configuration: Configuration
    let store: any Store
    let slack: SlackWebClient
    let pagerDuty: PagerDutyClient?
    let renderer: DeployMessageRenderer
    let clock: @Sendable () -> Date
    let wake: Wakeup
    let metrics: Metrics
    let log: Log
    private let pacing = ChannelPacing()
    private let holdOff = HoldOff()
    private let sent = DeployMessageMemory()

    public init(
        configuration: Configuration, store: any Store, slack: SlackWebClient, pagerDuty: PagerDutyClient?,
        renderer: DeployMessageRenderer, clock: @escaping @Sendable () -> Date, wake: Wakeup, metrics: Metrics,
        log: Log
    ) {
        var configuration = configuration
        // Git author emails are compared lower-cased; so are the keys of the `people` table.
        configuration.people = Dictionary(
            configuration.people.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
        self.store = store
        self.slack = slack
        self.pagerDuty = pagerDuty
        self.renderer = renderer
        self.clock = clock
        self.wake = wake
        self.metrics = metrics
        self.log = log
    }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let delivered = await deliverDue()
            if delivered == 0 { await wake.wait(timeout: 0.5) }
        }
    }

    /// Delivers every message due now, except those of a service that asked to wait (429).
    /// - Returns: how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 50) async -> Int {
        let due: [OutboxMessage]
        do {
            due = try store.read { r in try r.dueOutbox(now: clock(), limit: limit) }
        } catch {
            log.error("outbox: cannot read the store: \(error)")
            return 0
        }
        var attempted = 0
        for message in due where !Task.isCancelled {
            if holdOff.isHolding(Self.service(of: message), now: clock()) { continue }
            await deliver(message)
            attempted += 1
        }
        return attempted
    }

    /// The rate-limited service a message goes to: the Web API, `response_url`s or PagerDuty.
    private static func service(of message: OutboxMessage) -> String { message.channel.rawValue }

    private func deliver(_ message: OutboxMessage) async {
        do {
            try await send(message)
            metrics.recordDelivery(succeeded: true)
        } catch let failure as DeliveryFailure {
            metrics.recordDelivery(succeeded: false)
            record(failure, for: message)
        } catch {
            metrics.recordDelivery(succeeded: false)
            record(DeliveryFailure(reason: "\(error)", retryable: true, retryAfter: nil), for: message)
        }
    }

    private func record(_ failure: DeliveryFailure, for message: OutboxMessage) {
        let attempts = message.attempts + 1
        do {
            if failure.retryable && attempts < configuration.maxAttempts {
                let backoff =
                    failure.retryAfter ?? min(configuration.maxBackoffSeconds, 0.5 * pow(2, Double(min(attempts, 20))))
                // Retry-After is a floor: add a millisecond so the stored (millisecond) time never falls before it.
                let jitter = failure.retryAfter == nil ? Double.random(in: 0...(backoff * 0.2)) : 0.001
                let next = clock().addingTimeInterval(backoff + jitter)
                if failure.retryAfter != nil { holdOff.hold(Self.service(of: message), until: next) }
                try store.write { w in
                    try w.reschedule(key: message.key, attempts: attempts, nextAttemptAt: next, error: failure.reason)
                }
                log.warning(
                    "outbox: \(message.target) for \(message.deployId ?? "-") failed (\(failure.reason)); retry in \(Int(backoff))s"
                )
            } else {
                // Built before the transaction: a write body makes only store calls (it may run more than once).
                let note = notInChannelNote(message, failure)
                let now = clock()
                try store.write { w in
                    try w.markFailed(key: message.key, attempts: attempts, error: failure.reason, at: now)
                    if let note { try w.enqueue(note) }
                }
                log.error("outbox: gave up on \(message.target) for \(message.deployId ?? "-"): \(failure.reason)")
            }
        } catch {
            log.error("outbox: cannot record delivery failure: \(error)")
        }
    }

    /// When the bot is not in the deploy channel, tell the requester how to fix it (through their response_url,
    /// which works without channel membership).
    private func notInChannelNote(_ message: OutboxMessage, _ failure: DeliveryFailure) -> OutboxMessage? {
        guard failure.code == "not_in_channel" || failure.code == "channel_not_found",
            message.target == OutboxTarget.deployMessage,
            let deployId = message.deployId,
            let deploy = try? store.read({ r in try r.deploy(id: deployId) }),
            let url = deploy.responseURL
        else { return nil }
        let text =
            "⚠️ Slipway could not post to <#\(configuration.deployChannel)> (\(failure.reason)). Invite the bot there with `/invite @Slipway` so deploy updates appear. Your deploy `\(deploy.id)` continues; follow it with `/status \(deploy.service) \(deploy.environment)`."
        return OutboxMessage(
            key: "\(deployId):not-in-channel", deployId: deployId, channel: .slackResponse, target: url,
            payload: OutboxPayload(message: SlackMessage(text: text, blocks: [], responseType: .ephemeral)).encoded(),
            createdAt: clock())
    }

    private func send(_ message: OutboxMessage) async throws {
        let payload: OutboxPayload
        do {
            payload = try OutboxPayload.decode(message.payload)
        } catch {
            throw DeliveryFailure(reason: "corrupt outbox payload", retryable: false, retryAfter: nil)
        }
        switch (message.channel, message.target) {
        case (.slack, OutboxTarget.deployMessage):
            try await sendDeployMessage(message, payload)
        case (.slack, OutboxTarget.directMessage):
            guard let user = payload.user, let deploy = try loadDeploy(payload.deployId) else {
                throw DeliveryFailure(reason: "DM without user or deploy", retryable: false, retryAfter: nil)
            }
            let context = try await context(for: deploy)
            let dm = try await slackCall { try await slack.openConversation(users: [user]) }
            _ = try await slackCall {
                try await slack.postMessage(
                    channel: dm, message: renderer.failureDirectMessage(for: deploy, context: context, now: clock()))
            }
            try markDelivered(message)
        case (.slack, OutboxTarget.postMessage):
            guard let channel = payload.channel, let body = payload.message else {
                throw DeliveryFailure(reason: "post without channel or message", retryable: false, retryAfter: nil)
            }
            await pacing.wait(channel: channel, pace: configuration.channelPaceSeconds)
            _ = try await slackCall { try await slack.postMessage(channel: channel, message: body) }
            try markDelivered(message)
        case (.slack, OutboxTarget.postEphemeral):
            guard let channel = payload.channel, let user = payload.user, let body = payload.message else {
                throw DeliveryFailure(
                    reason: "ephemeral without channel, user or message", retryable: false, retryAfter: nil)
            }
            try await slackCall { try await slack.postEphemeral(channel: channel, user: user, message: body) }
            try markDelivered(message)
        case (.slackResponse, _):
            guard let body = payload.message else {
                throw DeliveryFailure(reason: "response without message", retryable: false, retryAfter: nil)
            }
            try await slackCall { try await slack.respond(responseURL: message.target, message: body) }
            try markDelivered(message)
        case (.pagerDuty, let action):
            try await sendPagerDuty(message, action: action, payload)
        default:
            throw DeliveryFailure(reason: "unknown outbox target \(message.target)", retryable: false, retryAfter: nil)
        }
    }

    private func sendDeployMessage(_ message: OutboxMessage, _ payload: OutboxPayload) async throws {
        guard let deploy = try loadDeploy(payload.deployId) else {
            throw DeliveryFailure(
                reason: "deploy \(payload.deployId ?? "?") not found", retryable: false, retryAfter: nil)
        }
        let context = try await context(for: deploy)
        let body = renderer.liveMessage(for: deploy, context: context, now: clock())
        // A post whose reference could not be stored yet is remembered here, so a retry edits it instead of posting
        // a second message.
        if let ref = deploy.message ?? sent.reference(deployId: deploy.id) {
            if sent.alreadyShows(body, deployId: deploy.id, ref: ref) {
                try recordDelivery(message, deployId: deploy.id, newReference: deploy.message == nil ? ref : nil)
                return
            }
            await pacing.wait(channel: ref.channel, pace: configuration.channelPaceSeconds)
            do {
                try await slackCall { try await slack.update(channel: ref.channel, ts: ref.ts, message: body) }
                sent.remember(body, deployId: deploy.id, ref: ref)
                try recordDelivery(message, deployId: deploy.id, newReference: deploy.message == nil ? ref : nil)
                return
            } catch let failure as DeliveryFailure where failure.code == "message_not_found" {
                // Someone deleted the message: post a new one rather than leave the deploy without a message.
                log.warning("outbox: the message of \(deploy.id) was deleted; posting it again")
            }
        }
        let channel = configuration.deployChannel
        await pacing.wait(channel: channel, pace: configuration.channelPaceSeconds)
        let posted = try await slackCall { try await slack.postMessage(channel: channel, message: body) }
        let ref = SlackMessageRef(channel: posted.channel, ts: posted.ts)
        sent.posted(deployId: deploy.id, ref: ref)
        sent.remember(body, deployId: deploy.id, ref: ref)
        try recordDelivery(message, deployId: deploy.id, newReference: ref)
    }

    /// Marks `message` delivered and, in the same transaction, stores where the deploy's message now lives.
    private func recordDelivery(_ message: OutboxMessage, deployId: String, newReference: SlackMessageRef?) throws {
        try store.write { w in
            if let newReference {
                for _ in 0..<5 {
                    guard var current = try w.deploy(id: deployId) else { break }
                    if current.message == newReference { break }
                    current.message = newReference
                    if try w.update(current) != nil { break }
                }
            }
            try w.markDelivered(key: message.key, at: clock())
        }
        if newReference != nil { sent.stored(deployId: deployId) }
    }

    private func sendPagerDuty(_ message: OutboxMessage, action: String, _ payload: OutboxPayload) async throws {
        guard let pagerDuty, let routingKey = configuration.pagerDutyRoutingKey else {
            throw DeliveryFailure(reason: "PagerDuty is not configured", retryable: false, retryAfter: nil)
        }
        guard let deploy = try loadDeploy(payload.deployId) else {
            throw DeliveryFailure(reason: "deploy not found", retryable: false, retryAfter: nil)
        }
        if action == OutboxTarget.pagerDutyTrigger,
            try store.read({ r in try r.outbox(key: OutboxComposer.resolveKey(deployId: deploy.id)) }) != nil
        {
            // Already fixed while PagerDuty could not be reached: nobody needs to be woken for it.
            log.info("outbox: not paging for \(deploy.id): a later deploy already resolved it")
            try markDelivered(message)
            return
        }
        do {
            if action == OutboxTarget.pagerDutyResolve {
                try await pagerDuty.resolve(routingKey: routingKey, dedupKey: deploy.id)
            } else {
                var links: [PagerDutyClient.Link] = []
                if let ref = deploy.message {
                    links.append(
                        .init(
                            href:
                                "https://slack.com/archives/\(ref.channel)/p\(ref.ts.replacingOccurrences(of: ".", with: ""))",
                            text: "Slack deploy message"))
                }
                if let runbook = deploy.failure?.runbook {
                    links.append(
                        .init(href: "\(configuration.runbooksBaseURL)/\(runbook)", text: "Runbook: \(runbook)"))
                }
                let cause = deploy.failure.map { "\($0.title): \($0.summary)" } ?? "unknown cause"
                _ = try await pagerDuty.trigger(
                    routingKey: routingKey, dedupKey: deploy.id,
                    summary:
                        "Deploy of \(deploy.service) \(deploy.targetTag) to \(deploy.environment) failed — \(cause)",
                    source: "slipway/\(deploy.service)/\(deploy.environment)", severity: .error,
                    component: deploy.service, group: deploy.environment, links: links,
                    customDetails: [
                        "deploy_id": deploy.id, "tag": deploy.targetTag, "previous_tag": deploy.previousTag ?? "",
                        "gitops_commit": deploy.gitCommit ?? "", "cause": deploy.failure?.cause ?? "unknown",
                    ])
            }
        } catch {
            throw DeliveryFailure(
                reason: "pagerduty: \(error.description)", retryable: error.isRetryable,
                retryAfter: error.retryAfterSeconds.map(Double.init))
        }
        try markDelivered(message)
    }

    /// Who wrote the commit being deployed, as a mention when Slipway can find the Slack user.
    private func context(for deploy: Deploy) async throws -> DeployMessageRenderer.Context {
        var context = DeployMessageRenderer.Context()
        if let author = deploy.author {
            context.authorMention = await mention(for: author)
        }
        if deploy.state == .failed {
            let history = try store.read { r in
                try r.deploys(service: deploy.service, environment: deploy.environment, state: .succeeded, limit: 50)
            }
            context.rollbackTag = LastKnownGood.tag(current: deploy.targetTag, history: history) ?? deploy.previousTag
        }
        return context
    }

    private func mention(for author: CommitAuthor) async -> String {
        let fallback = SlackText.escape(author.name)
        guard let email = author.email?.lowercased(), email.contains("@") else { return fallback }
        if let id = configuration.people[email] { return SlackText.mention(userId: id) }
        let key = "slack-user:\(email)"
        let now = clock()
        if let cached = try? store.read({ r in try r.cachedValue(key: key, now: now) }) {
            return cached.isEmpty ? fallback : SlackText.mention(userId: cached)
        }
        do {
            let id = try await slack.lookupUserByEmail(email)
            _ = try? store.write { w in
                try w.setCachedValue(
                    key: key, value: id ?? "", expiresAt: now.addingTimeInterval(id == nil ? 3600 : 86_400))
            }
            return id.map { SlackText.mention(userId: $0) } ?? fallback
        } catch {
            log.warning("users.lookupByEmail failed: \(error)")
            return fallback
        }
    }

    private func loadDeploy(_ id: String?) throws -> Deploy? {
        guard let id else { return nil }
        return try store.read { r in try r.deploy(id: id) }
    }

    private func markDelivered(_ message: OutboxMessage) throws {
        try store.write { w in try w.markDelivered(key: message.key, at: clock()) }
    }

    @discardableResult
    private func slackCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SlackAPIError {
            throw DeliveryFailure(
                reason: error.description, retryable: error.isRetryable,
                retryAfter: error.retryAfterSeconds.map(Double.init), code: error.code)
        }
    }
}

/// Why a delivery attempt failed.
struct DeliveryFailure: Error {
    var reason: String
    var retryable: Bool
    var retryAfter: Double?
    /// Slack's error code (`not_in_channel`), when Slack answered.
    var code: String? = nil
}

/// Spaces posts to one channel at least `pace` seconds apart.
final class ChannelPacing: @unchecked Sendable {
    private let lock = NSLock()
    private var last: [String: Date] = [:]

    func wait(channel: String, pace: Double) async {
        guard pace > 0 else { return }
        let now = Date()
        let start = lock.withLock {
            let start = max(now, (last[channel] ?? .distantPast).addingTimeInterval(pace))
            last[channel] = start
            return start
        }
        let delay = start.timeIntervalSince(now)
        if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
    }
}

/// Until when each service asked Slipway to hold off (HTTP 429 `Retry-After`).
final class HoldOff: @unchecked Sendable {
    private let lock = NSLock()
    private var until: [String: Date] = [:]

    func hold(_ service: String, until date: Date) {
        lock.withLock { until[service] = max(until[service] ?? .distantPast, date) }
    }

    func isHolding(_ service: String, now: Date) -> Bool {
        lock.withLock {
            guard let date = until[service] else { return false }
            if date > now { return true }
            until[service] = nil
            return false
        }
    }
}

/// What this process last showed in each deploy's message, and posts whose reference is not stored yet.
///
/// States only move forward, so content this process sent is never the wrong thing to leave in place, even when
/// another replica edited the message in between.
final class DeployMessageMemory: @unchecked Sendable {
    private struct Shown {
        var ref: SlackMessageRef
        var content: SlackMessage
    }
    private let lock = NSLock()
    private var shown: [String: Shown] = [:]
    private var unstored: [String: SlackMessageRef] = [:]
    private let capacity = 2000

    /// Whether the message at `ref` already shows exactly `body`.
    func alreadyShows(_ body: SlackMessage, deployId: String, ref: SlackMessageRef) -> Bool {
        lock.withLock { shown[deployId].map { $0.ref == ref && $0.content == body } ?? false }
    }

    /// Records that the message at `ref` now shows `body`.
    func remember(_ body: SlackMessage, deployId: String, ref: SlackMessageRef) {
        lock.withLock {
            if shown.count >= capacity { shown.removeAll(keepingCapacity: true) }
            shown[deployId] = Shown(ref: ref, content: body)
        }
    }

    /// Keeps the reference of a message just posted until `stored(deployId:)`.
    func posted(deployId: String, ref: SlackMessageRef) { lock.withLock { unstored[deployId] = ref } }

    /// A posted message whose reference the store does not have yet.
    func reference(deployId: String) -> SlackMessageRef? { lock.withLock { unstored[deployId] } }

    /// The store now has the reference.
    func stored(deployId: String) { lock.withLock { _ = unstored.removeValue(forKey: deployId) } }
}
