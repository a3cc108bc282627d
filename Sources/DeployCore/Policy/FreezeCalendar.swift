import Foundation

/// The freezes of one environment: its weekly windows and the ad-hoc freezes that cover it. Pure: the caller passes
/// the instant.
public struct FreezeCalendar: Sendable, Equatable {
    /// How far a chain of touching freezes is followed. Weekly windows that together cover the whole week never end;
    /// their freeze is reported as ending this far ahead.
    public static let horizon: TimeInterval = 60 * 86_400

    public var environment: String
    public var windows: [FreezeWindow]
    /// Only those that cover `environment`.
    public private(set) var adHoc: [AdHocFreeze]

    /// - Parameters:
    ///   - environment: the environment name.
    ///   - windows: its weekly windows.
    ///   - adHoc: ad-hoc freezes; those for other environments are ignored.
    public init(environment: String, windows: [FreezeWindow], adHoc: [AdHocFreeze] = []) {
        self.environment = environment
        self.windows = windows
        self.adHoc = adHoc.filter { $0.applies(to: environment) }
    }

    /// The freeze in force at `date` (a window includes its start and excludes its end), with `endsAt` the end of all
    /// freezes chained to it by overlapping or touching. When several cover `date`, the one lasting longest names the
    /// reason (an ad-hoc one on a tie).
    public func activeFreeze(at date: Date) -> ActiveFreeze? {
        let around = pieces(startingFrom: date.addingTimeInterval(-8 * 86_400), through: date)
        let covering = around.filter { $0.interval.start <= date && date < $0.interval.end }
        guard
            let main = covering.max(by: { a, b in
                a.interval.end == b.interval.end
                    ? a.source == .weekly && b.source == .adHoc
                    : a.interval.end < b.interval.end
            })
        else { return nil }
        let start = covering.map(\.interval.start).min()!
        return main.freeze(startsAt: start, endsAt: chainedEnd(from: covering.map(\.interval.end).max()!))
    }

    /// The next freeze that starts after `date` and is not part of the one in force at `date`.
    public func nextFreeze(after date: Date) -> ActiveFreeze? {
        let from = activeFreeze(at: date)?.endsAt ?? date
        let upcoming = pieces(startingFrom: from, through: from.addingTimeInterval(8 * 86_400))
            .filter { $0.interval.start > date && $0.interval.start >= from && $0.interval.end > $0.interval.start }
        guard let first = upcoming.map(\.interval.start).min() else { return nil }
        guard var freeze = activeFreeze(at: first) else { return nil }
        freeze.startsAt = first
        return freeze
    }

    /// Follows freezes that overlap or touch `end` until none does.
    private func chainedEnd(from end: Date) -> Date {
        var end = end
        let limit = end.addingTimeInterval(Self.horizon)
        while end < limit {
            let extending = pieces(startingFrom: end.addingTimeInterval(-8 * 86_400), through: end)
                .filter { $0.interval.start <= end && $0.interval.end > end }
            guard let later = extending.map(\.interval.end).max() else { break }
            end = min(later, limit)
        }
        return end
    }

    private struct Piece {
        var interval: DateInterval
        var reason: String
        var source: ActiveFreeze.Source
        var by: String?
        var timeZone: String?

        func freeze(startsAt: Date, endsAt: Date) -> ActiveFreeze {
            ActiveFreeze(
                reason: reason, startsAt: startsAt, endsAt: endsAt, source: source, by: by, timeZone: timeZone)
        }
    }

    /// Every weekly occurrence and ad-hoc freeze starting in `lower...upper` (ad-hoc ones: any that started before
    /// `upper`, since they may be long).
    private func pieces(startingFrom lower: Date, through upper: Date) -> [Piece] {
        var result: [Piece] = []
        for window in windows {
            for interval in window.occurrences(startingFrom: lower, through: upper) {
                result.append(
                    Piece(
                        interval: interval, reason: window.reason, source: .weekly,
                        timeZone: window.timeZone.identifier))
            }
        }
        for freeze in adHoc where freeze.createdAt <= upper && freeze.endsAt > freeze.createdAt {
            result.append(Piece(interval: freeze.interval, reason: freeze.reason, source: .adHoc, by: freeze.by))
        }
        return result
    }
}
