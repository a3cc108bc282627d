import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore
import Synchronization

/// Delivers the durable outbox: Slack posts and updates, DMs, `response_url` replies and PagerDuty events, in
/// independent lanes (`OutboxLane`): channel posts are paced per channel, while DMs, pages and each `response_url`
/// go on without waiting for them, so a slow or hanging destination delays only itself. Within a lane, oldest
/// first, one message per ordering key at a time; retryable failures (429 with `Retry-After`, 5xx, timeouts) wait
/// and retry with backoff; permanent ones are recorded as failed and shown in `/status`.
///
/// A 429 holds back every message for that service (not only the one that got it) until `Retry-After` has passed.
/// A message sent whose delivery could not be recorded (a full disk) is remembered and not sent again; store
/// errors pause the outbox with exponential backoff and are logged once a minute with a count. With replicas
/// sharing a database, each message is claimed before it is sent. What each kind of message takes to send lives
/// in its sender: `DeployMessageSender`, `SlackMessageSender` and `PagerDutySender`.
public final class OutboxDeliverer: Service {
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
        /// The configured status command (`slack.commands.status`), named in notes to requesters.
        public var statusCommand: String
        /// Seconds a `response_url` reply may take before it counts as failed (and is retried).
        public var responseURLTimeoutSeconds: Double
        /// Replies to different `response_url`s in flight at once.
        public var maxConcurrentResponses: Int
        /// Seconds a claimed message is not due for other replicas: longer than one delivery normally takes (a Slack
        /// call times out after 10 s), short enough that a replica taking over from one that crashed mid-delivery
        /// resumes that deploy's messages within half a minute.
        public var claimSeconds: Double

        public init(
            deployChannel: String, channelPaceSeconds: Double = 1, maxBackoffSeconds: Double = 300,
            maxAttempts: Int = 500, people: [String: String] = [:], pagerDutyRoutingKey: String? = nil,
            runbooksBaseURL: String, statusCommand: String = SlashCommandNames.defaults.status,
            responseURLTimeoutSeconds: Double = 5, maxConcurrentResponses: Int = 8, claimSeconds: Double = 30
        ) {
            self.statusCommand = statusCommand
            self.deployChannel = deployChannel
            self.channelPaceSeconds = channelPaceSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
            self.maxAttempts = maxAttempts
            self.people = people
            self.pagerDutyRoutingKey = pagerDutyRoutingKey
            self.runbooksBaseURL = runbooksBaseURL
            self.responseURLTimeoutSeconds = responseURLTimeoutSeconds
            self.maxConcurrentResponses = maxConcurrentResponses
            self.claimSeconds = claimSeconds
        }
    }

    public var name: String { "outbox" }

    let configuration: Configuration
    let store: any Store
    let clock: @Sendable () -> Date
    let wake: Wakeup
    let metrics: Metrics
    let log: Log
    private let holdOff = HoldOff()
    /// Retryable failures are logged once per outside service (Slack, PagerDuty) and then at most every 10 minutes,
    /// not once per message and attempt.
    private let outside = RepeatedWarnings(interval: RepeatedWarnings.outsideServiceInterval)
    private let deployMessages: DeployMessageSender
    private let slackMessages: SlackMessageSender
    private let pages: PagerDutySender
    private let threadLog: ThreadLogSender
    private let lanes = OutboxLanes()
    /// Messages sent whose delivery is not recorded yet: they are recorded, never sent again.
    private let unrecorded = Mutex<Set<String>>([])
    private let storeTrouble = StoreTrouble()
    private let warnings = RepeatedWarnings(interval: 60)

    public init(
        configuration: Configuration, store: any Store, slack: SlackWebClient, pagerDuty: PagerDutyClient?,
        renderer: DeployMessageRenderer, clock: @escaping @Sendable () -> Date, wake: Wakeup, metrics: Metrics,
        log: Log, onCall: OnCallDirectory? = nil, catalog: Catalog? = nil
    ) {
        let log = log.with(["component": "outbox"])
        self.configuration = configuration
        self.store = store
        self.clock = clock
        self.wake = wake
        self.metrics = metrics
        self.log = log
        let authors = AuthorDirectory(
            people: configuration.people, slack: slack, store: store, clock: clock, log: log, warnings: outside)
        var rendering = DeployRendering(renderer: renderer, authors: authors, store: store, clock: clock)
        rendering.onCall = onCall
        rendering.catalog = catalog
        let pacing = ChannelPacing(pace: configuration.channelPaceSeconds)
        deployMessages = DeployMessageSender(
            deployChannel: configuration.deployChannel, slack: slack, rendering: rendering, pacing: pacing,
            store: store, clock: clock, log: log)
        var slackMessages = SlackMessageSender(
            slack: slack, rendering: rendering, pacing: pacing, store: store, clock: clock,
            responseTimeout: configuration.responseURLTimeoutSeconds)
        slackMessages.onCall = onCall
        self.slackMessages = slackMessages
        threadLog = ThreadLogSender(slack: slack, pacing: pacing, store: store)
        pages = PagerDutySender(
            client: pagerDuty, routingKey: configuration.pagerDutyRoutingKey,
            runbooksBaseURL: configuration.runbooksBaseURL, store: store, clock: clock, log: log)
    }

    /// Runs until cancelled; deliveries in flight finish (or are cancelled with it) before it returns.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                if let pause = storeTrouble.remainingPause() {
                    await wake.wait(timeout: pause)
                    continue
                }
                let started = await startDue(in: &group, skipping: [])
                if started.isEmpty { await wake.wait(timeout: 0.5) }
            }
        }
    }

    /// Delivers every message due now, except those of a service that asked to wait (429), and returns when they
    /// are done: the lanes run side by side, each in order.
    /// - Returns: how many were attempted.
    @discardableResult
    public func deliverDue(limit: Int = 50) async -> Int {
        var attempted: Set<String> = []
        while !Task.isCancelled, attempted.count < limit {
            var started: [String] = []
            await withDiscardingTaskGroup { group in
                started = await startDue(in: &group, skipping: attempted, limit: limit - attempted.count)
            }
            if started.isEmpty { break }
            attempted.formUnion(started)
        }
        return attempted.count
    }

    /// Starts the due messages whose lane is free, each in a child task of `group`.
    /// - Returns: the keys started.
    private func startDue(
        in group: inout DiscardingTaskGroup, skipping: Set<String>, limit: Int = 200
    ) async -> [String] {
        await recordUnrecorded()
        let due: [OutboxMessage]
        let readStart = ContinuousClock.now
        do {
            let now = clock()
            let store = self.store
            due = try await store.executor.run { try store.read { r in try r.dueOutbox(now: now, limit: 200) } }
        } catch {
            storeFailed("reading the outbox", error)
            return []
        }
        var started: [String] = []
        for message in due where !Task.isCancelled && started.count < limit && !skipping.contains(message.key) {
            if let channel = message.target.channel, holdOff.isHolding(channel, now: clock()) { continue }
            let lane = OutboxLane(message, deployChannel: configuration.deployChannel)
            guard
                lanes.take(
                    lane, key: message.key, readAt: readStart, maxResponses: configuration.maxConcurrentResponses)
            else {
                continue
            }
            guard await claim(message) else {
                lanes.release(lane, key: nil)
                if storeTrouble.remainingPause() != nil { break }
                continue
            }
            started.append(message.key)
            group.addTask {
                await self.deliver(message)
                self.lanes.release(lane, key: message.key)
                self.wake.signal()
            }
        }
        return started
    }

    /// With replicas sharing the database, makes sure no other replica sends `message` too.
    private func claim(_ message: OutboxMessage) async -> Bool {
        guard store.sharedByReplicas, !unrecorded.withLock({ $0.contains(message.key) }) else { return true }
        let now = clock()
        let until = now.addingTimeInterval(configuration.claimSeconds)
        let store = self.store
        do {
            let claimed = try await store.executor.run {
                try store.write { w in try w.claimOutbox(key: message.key, now: now, until: until) }
            }
            storeWorks("claiming outbox messages")
            return claimed
        } catch {
            storeFailed("claiming outbox messages", error)
            return false
        }
    }

    private func deliver(_ message: OutboxMessage) async {
        if unrecorded.withLock({ $0.contains(message.key) }) {
            // Sent already; only the bookkeeping failed. Sending it again would repeat it to the person or service.
            await recordDelivered(message)
            return
        }
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        do {
            let recorded = try await send(message)
            metrics.recordDelivery(to: message.target.destination, succeeded: true, seconds: seconds())
            if let line = outside.success(Self.outsideService(message.target), now: clock()) {
                log.info(line, metadata: Self.metadata(of: message))
            }
            if !recorded {
                unrecorded.withLock { _ = $0.insert(message.key) }
                await recordDelivered(message)
            }
        } catch let error as StoreError {
            // The store failed before anything was sent (or the deploy message's own bookkeeping failed; its sender
            // remembers what it posted): wait for the store, do not count an attempt.
            storeFailed("delivering outbox messages", error)
        } catch {
            metrics.recordDelivery(to: message.target.destination, succeeded: false, seconds: seconds())
            let failure = error as? DeliveryFailure ?? DeliveryFailure(reason: "\(error)", retryable: true)
            let key =
                error is DeliveryFailure
                ? Self.outsideService(message.target) : RepeatedWarnings.Key(what: "outbox delivery", subject: "store")
            await record(failure.redacted(for: message.target), for: message, warningKey: key)
        }
    }

    /// Records the messages sent earlier whose bookkeeping failed (without waiting for them to be due again: with
    /// replicas, a claimed message is not due for a while). - Returns: false when the store still fails.
    @discardableResult
    private func recordUnrecorded() async -> Bool {
        let keys = unrecorded.withLock { $0 }
        guard !keys.isEmpty else { return true }
        let now = clock()
        let store = self.store
        do {
            try await store.executor.run {
                try store.write { w in for key in keys { try w.markDelivered(key: key, at: now) } }
            }
            unrecorded.withLock { $0.subtract(keys) }
            storeWorks("recording deliveries")
            return true
        } catch {
            storeFailed("recording deliveries", error)
            return false
        }
    }

    /// Records a sent message delivered; on a store error it stays remembered (and pending) until this works.
    private func recordDelivered(_ message: OutboxMessage) async {
        do {
            try await store.markOutboxDelivered(message.key, at: clock())
            unrecorded.withLock { _ = $0.remove(message.key) }
            storeWorks("recording deliveries")
        } catch {
            storeFailed("recording deliveries", error)
        }
    }

    /// Pauses the outbox with exponential backoff and logs the failure at most once a minute, with a count.
    private func storeFailed(_ what: String, _ error: any Error) {
        let pause = storeTrouble.failed()
        if let line = warnings.failure(Self.storeKey, "\(what): \(error)", now: Date()) {
            log.error(line, metadata: ["retryInSeconds": "\(pause)"])
        }
    }

    private static let storeKey = RepeatedWarnings.Key(what: "outbox store", subject: "store")

    private func storeWorks(_ what: String) {
        storeTrouble.worked()
        if let line = warnings.success(Self.storeKey, now: Date()) { log.info(line, metadata: ["while": what]) }
    }

    /// Sends `message` through its sender.
    /// - Returns: whether the sender also recorded it delivered (the deploy message stores its reference with it).
    private func send(_ message: OutboxMessage) async throws -> Bool {
        switch try OutboxDelivery(message) {
        case .deployMessage(let deployId):
            try await deployMessages.send(deployId: deployId, outboxKey: message.key)
            return true
        case .directMessage(let user, let deployId):
            try await slackMessages.sendFailureSummary(to: user, deployId: deployId, outboxKey: message.key)
        case .channelMessage(let channel, let body):
            try await slackMessages.post(body, channel: channel, outboxKey: message.key)
        case .ephemeralMessage(let channel, let user, let body):
            try await slackMessages.postEphemeral(body, channel: channel, user: user, outboxKey: message.key)
        case .response(let url, let body):
            try await slackMessages.respond(body, to: url, outboxKey: message.key)
        case .page(let action, let deployId):
            try await pages.send(action, deployId: deployId, outboxKey: message.key)
        case .threadReply(let deployId, let body):
            try await threadLog.send(body, deployId: deployId, outboxKey: message.key)
        }
        return false
    }

    /// Schedules a retry with backoff, or gives up and marks the message failed.
    /// - Parameter warningKey: What a retryable failure counts against in the log (the service that failed).
    private func record(_ failure: DeliveryFailure, for message: OutboxMessage, warningKey: RepeatedWarnings.Key) async
    {
        let attempts = message.attempts + 1
        let store = self.store
        var metadata = Self.metadata(of: message)
        metadata["error"] = failure.reason
        metadata["attempts"] = "\(attempts)"
        do {
            if failure.retryable && attempts < configuration.maxAttempts {
                let backoff =
                    failure.retryAfter ?? min(configuration.maxBackoffSeconds, 0.5 * pow(2, Double(min(attempts, 20))))
                // Retry-After is a floor: add a millisecond so the stored (millisecond) time never falls before it.
                let jitter = failure.retryAfter == nil ? Double.random(in: 0...(backoff * 0.2)) : 0.001
                let next = clock().addingTimeInterval(backoff + jitter)
                if failure.retryAfter != nil, let channel = message.target.channel {
                    holdOff.hold(channel, until: next)
                }
                try await store.executor.run {
                    try store.write { w in
                        try w.reschedule(
                            key: message.key, attempts: attempts, nextAttemptAt: next, error: failure.reason)
                    }
                }
                metadata["retryInSeconds"] = "\(Int(backoff))"
                let detail = "\(failure.reason) (retrying; while it keeps failing, one line per 10 min)"
                if let line = outside.failure(warningKey, detail, now: clock()) {
                    log.warning(line, metadata: metadata)
                } else {
                    log.debug("delivery failed; retrying", metadata: metadata)
                }
            } else {
                // Built before the transaction: a write body makes only store calls (it may run more than once).
                let note = await notInChannelNote(message, failure)
                let now = clock()
                try await store.executor.run {
                    try store.write { w in
                        try w.markFailed(key: message.key, attempts: attempts, error: failure.reason, at: now)
                        if let note { try w.enqueue(note) }
                    }
                }
                log.error("delivery failed; gave up", metadata: metadata)
            }
            storeWorks("recording delivery failures")
        } catch {
            storeFailed("recording delivery failures", error)
        }
    }

    /// When the bot is not in the deploy channel, tell the requester how to fix it (through their response_url,
    /// which works without channel membership).
    private func notInChannelNote(_ message: OutboxMessage, _ failure: DeliveryFailure) async -> OutboxMessage? {
        guard failure.code == "not_in_channel" || failure.code == "channel_not_found",
            message.target == .deployMessage, let deployId = message.deployId,
            let deploy = try? await store.deploy(id: deployId), let url = deploy.responseURL
        else { return nil }
        let text =
            "⚠️ Slipway could not post to <#\(configuration.deployChannel)> (\(failure.reason)). Invite the bot there with `/invite @Slipway` so deploy updates appear. Your deploy `\(deploy.id)` continues; follow it with `\(configuration.statusCommand) \(deploy.service) \(deploy.environment)`."
        return OutboxMessage(
            key: "\(deployId):not-in-channel", deployId: deployId, target: .response(ResponseURL(url)),
            payload: OutboxPayload(message: SlackMessage(text: text, blocks: [], responseType: .ephemeral)).encoded(),
            createdAt: clock())
    }

    /// The key of `target`'s service for `RepeatedWarnings`: one for all calls to it, whatever the message.
    static func outsideService(_ target: OutboxTarget) -> RepeatedWarnings.Key {
        switch target.channel {
        case .slack: AuthorDirectory.slackAPI
        case .slackResponse: RepeatedWarnings.outsideService("Slack response_url")
        case .pagerDuty: RepeatedWarnings.outsideService("PagerDuty")
        case nil: RepeatedWarnings.outsideService("outbox delivery")
        }
    }

    /// What a log record about `message` says about it: its key, deploy and destination (a response_url's host
    /// only).
    static func metadata(of message: OutboxMessage) -> Log.Metadata {
        var metadata: Log.Metadata = ["outbox": message.key, "destination": message.target.description]
        if let deployId = message.deployId { metadata["deploy"] = deployId }
        if case .response(let url) = message.target { metadata["host"] = Log.host(of: url.url) }
        return metadata
    }
}
