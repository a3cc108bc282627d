import Foundation

/// A freeze set from Slack (`/deploy freeze prod 2h release party`): one environment name (in every service) or all
/// environments, until `endsAt`.
public struct AdHocFreeze: Sendable, Hashable, Codable {
    /// What a freeze covers.
    public enum Scope: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Every environment of this name, in every service.
        case environment(String)
        /// Every environment.
        case all

        public var description: String {
            switch self {
            case .environment(let name): name
            case .all: "all"
            }
        }
    }

    public var scope: Scope
    public var endsAt: Date
    public var reason: String
    /// Slack user id of who set it.
    public var by: String
    public var createdAt: Date

    public init(scope: Scope, endsAt: Date, reason: String, by: String, createdAt: Date) {
        self.scope = scope
        self.endsAt = endsAt
        self.reason = reason
        self.by = by
        self.createdAt = createdAt
    }

    /// Whether it covers environments named `environment`.
    public func applies(to environment: String) -> Bool {
        switch scope {
        case .all: true
        case .environment(let name): name == environment
        }
    }

    /// From creation until it ends.
    public var interval: DateInterval { DateInterval(start: createdAt, end: max(createdAt, endsAt)) }
}

/// A freeze in force, or the next one: why, and until when.
public struct ActiveFreeze: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case weekly
        case adHoc
    }

    /// The reason of the freeze covering the instant asked about (or, for the next freeze, of the one that starts
    /// it).
    public var reason: String
    public var startsAt: Date
    /// When deploys are possible again: the end of all freezes that overlap or touch this one, chained.
    public var endsAt: Date
    public var source: Source
    /// Who set it: the Slack user id for an ad-hoc freeze, nil for a weekly window.
    public var by: String?
    /// For a weekly window, its time zone's identifier, to show times as the team wrote them.
    public var timeZone: String?

    public init(
        reason: String, startsAt: Date, endsAt: Date, source: Source, by: String? = nil, timeZone: String? = nil
    ) {
        self.reason = reason
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.source = source
        self.by = by
        self.timeZone = timeZone
    }
}
