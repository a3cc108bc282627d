import SlipwaySlack
import Synchronization

/// Who is on call now, and where Slipway learned it.
public struct OnCallRoster: Sendable, Equatable {
    /// Where the list comes from.
    public enum Source: Sendable, Equatable {
        /// `onCall.slackUserIds`, without PagerDuty.
        case configured
        /// The PagerDuty schedules in `onCall.pagerduty`.
        case pagerDuty
        /// `onCall.slackUserIds` standing in because PagerDuty could not be asked; `reason` says why.
        case fallback(reason: String)
    }

    /// Slack user ids to DM and mention.
    public var userIds: [String]
    public var source: Source
    /// People on call in PagerDuty whose Slack user Slipway could not find (named, not mentioned).
    public var unmatched: [String]

    public init(userIds: [String], source: Source, unmatched: [String] = []) {
        self.userIds = userIds
        self.source = source
        self.unmatched = unmatched
    }

    /// The outbox payload's `user` of a failure DM that goes to whoever is on call when it is delivered.
    public static let currentOnCall = "@oncall"

    /// "On call: <@U1> <@U2>", saying when the names come from the fallback list; nil when nobody is known.
    public var line: String? {
        let names = userIds.map { SlackText.mention(userId: $0) } + unmatched.map { SlackText.escape($0) }
        guard !names.isEmpty else {
            if case .fallback(let reason) = source {
                return "On call: unknown (PagerDuty could not be reached: \(SlackText.escape(reason)))"
            }
            return nil
        }
        let list = names.joined(separator: " ")
        switch source {
        case .configured: return "On call: " + list
        case .pagerDuty: return "On call (PagerDuty): " + list
        case .fallback(let reason):
            return "On call (fallback list: PagerDuty could not be reached, \(SlackText.escape(reason))): " + list
        }
    }

    /// The sentence a fallback DM adds, so its reader knows they may not be the one on call.
    public var fallbackNote: String? {
        guard case .fallback(let reason) = source else { return nil }
        return
            "PagerDuty could not be reached (\(SlackText.escape(reason))), so this went to Slipway's fallback on-call list (`onCall.slackUserIds`)."
    }
}

/// Which people a DM to whoever is on call reached, per outbox message (bounded).
final class DirectMessageMemory: Sendable {
    private let sent = Mutex<Set<String>>([])

    func contains(_ outboxKey: String, _ user: String) -> Bool { sent.withLock { $0.contains("\(outboxKey)|\(user)") } }

    func insert(_ outboxKey: String, _ user: String) {
        sent.withLock { sent in
            if sent.count >= 4096 { sent.removeAll(keepingCapacity: true) }
            sent.insert("\(outboxKey)|\(user)")
        }
    }
}
