import DeployCore
import Foundation
import SlipwaySlack
import Synchronization

/// Finds who is on call: PagerDuty's schedules when `onCall.pagerduty` is set (each person's email mapped to a Slack
/// user through `people`, then `users.lookupByEmail`), else the configured `onCall.slackUserIds`. An answer is kept
/// for five minutes; while PagerDuty cannot be reached the configured list stands in, marked as the fallback, and
/// PagerDuty is asked again after 30 seconds.
public final class OnCallDirectory: Sendable {
    private let schedules: [String]
    private let client: PagerDutyOnCallClient?
    private let slack: SlackWebClient?
    private let fallback: [String]
    /// Email (lower-cased) → Slack user id.
    private let people: [String: String]
    private let clock: @Sendable () -> Date
    private let log: Log
    /// How long an answer from PagerDuty is used.
    let freshSeconds: Double
    /// How long the fallback is used before PagerDuty is asked again.
    let retrySeconds: Double
    private let warnings = RepeatedWarnings(interval: RepeatedWarnings.outsideServiceInterval)

    private struct State {
        var roster: OnCallRoster?
        var validUntil: Date = .distantPast
        var refreshing: Task<OnCallRoster, Never>?
    }
    private let state = Mutex(State())

    /// - Parameters:
    ///   - pagerDuty: The schedules and the REST client; nil uses `fallback` only.
    ///   - fallback: `onCall.slackUserIds`.
    ///   - people: Email → Slack user id (`people`).
    ///   - slack: For `users.lookupByEmail`.
    public init(
        pagerDuty: (scheduleIds: [String], client: PagerDutyOnCallClient)?, fallback: [String],
        people: [String: String], slack: SlackWebClient?, clock: @escaping @Sendable () -> Date, log: Log,
        freshSeconds: Double = 300, retrySeconds: Double = 30
    ) {
        self.schedules = pagerDuty?.scheduleIds ?? []
        self.client = pagerDuty?.client
        self.fallback = fallback
        self.people = Dictionary(people.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.slack = slack
        self.clock = clock
        self.log = log.with(["component": "on-call"])
        self.freshSeconds = freshSeconds
        self.retrySeconds = retrySeconds
    }

    /// Whether PagerDuty decides who is on call.
    public var usesPagerDuty: Bool { client != nil }

    /// Who is on call now: the cached answer while fresh, else PagerDuty is asked (one request at a time).
    public func roster() async -> OnCallRoster {
        guard client != nil else { return OnCallRoster(userIds: fallback, source: .configured) }
        let now = clock()
        let task: Task<OnCallRoster, Never> = state.withLock { state in
            if let roster = state.roster, now < state.validUntil { return Task { roster } }
            if let running = state.refreshing { return running }
            let task = Task { await self.fetch() }
            state.refreshing = task
            return task
        }
        return await task.value
    }

    /// The last answer, without asking anyone (the status reply is built on the request path); starts a refresh
    /// when it is stale, so the next reply is current.
    public func latest() -> OnCallRoster? {
        guard client != nil else {
            return fallback.isEmpty ? nil : OnCallRoster(userIds: fallback, source: .configured)
        }
        let now = clock()
        let (roster, stale) = state.withLock { ($0.roster, now >= $0.validUntil) }
        if stale { Task { _ = await self.roster() } }
        return roster
    }

    private func fetch() async -> OnCallRoster {
        let roster: OnCallRoster
        let valid: Double
        do {
            let onCall = try await client!.onCallNow(scheduleIds: schedules)
            var ids: [String] = []
            var unmatched: [String] = []
            for person in onCall {
                if let id = await slackUser(for: person) {
                    if !ids.contains(id) { ids.append(id) }
                } else {
                    unmatched.append(person.name)
                }
            }
            roster = OnCallRoster(userIds: ids, source: .pagerDuty, unmatched: unmatched)
            valid = freshSeconds
            if let line = warnings.success(Self.key, now: clock()) { log.info(line) }
        } catch {
            roster = OnCallRoster(userIds: fallback, source: .fallback(reason: error.description))
            valid = retrySeconds
            let detail = "\(error.description) (using onCall.slackUserIds; at most one line per 10 min)"
            if let line = warnings.failure(Self.key, detail, now: clock()) { log.warning(line) }
        }
        let until = clock().addingTimeInterval(valid)
        state.withLock { state in
            state.roster = roster
            state.validUntil = until
            state.refreshing = nil
        }
        return roster
    }

    private static let key = RepeatedWarnings.outsideService("PagerDuty REST API")

    /// `people` first, then Slack's directory.
    private func slackUser(for person: PagerDutyOnCallClient.OnCall) async -> String? {
        guard let email = person.email?.lowercased(), email.contains("@") else { return nil }
        if let id = people[email] { return id }
        guard let slack else { return nil }
        do {
            return try await slack.lookupUserByEmail(email)
        } catch {
            log.warning(
                "cannot find the Slack user of on-call \(person.name): \(error.description)",
                metadata: ["pagerDutyUser": person.userId])
            return nil
        }
    }
}
