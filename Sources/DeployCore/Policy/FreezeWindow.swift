import Foundation

/// A weekly freeze: from a weekday and time to a weekday and time in one time zone, e.g. `fri 15:00` to
/// `mon 08:00` in Europe/Berlin. A window may span days, midnight and the week's end (`sat 22:00` → `mon 06:00`);
/// `to` earlier in the week than `from` means the following week.
///
/// Wall times are local to `timeZone`, so a window keeps its wall-clock hours across daylight-saving changes. A wall
/// time is the first instant at which the zone's clock reads that time or later on that day:
/// - a time skipped by a spring-forward (02:30 in Berlin on the last Sunday of March) is the instant the clock jumps
///   (03:00 CEST), so a window starting or ending in the gap starts or ends when the gap ends;
/// - a time that occurs twice at a fall-back (02:30 in Berlin on the last Sunday of October) is its first
///   occurrence (02:30 CEST).
public struct FreezeWindow: Sendable, Equatable {
    public var from: WeeklyTime
    public var to: WeeklyTime
    public var timeZone: TimeZone
    public var reason: String

    /// - Throws: `FreezeWindowError` (field `to`) when `from` and `to` are the same time.
    public init(from: WeeklyTime, to: WeeklyTime, timeZone: TimeZone, reason: String) throws(FreezeWindowError) {
        guard from != to else {
            throw FreezeWindowError(
                field: "to",
                problem: "is the same time as from (\"\(from)\"); a window needs an end, e.g. \"mon 08:00\"")
        }
        self.from = from
        self.to = to
        self.timeZone = timeZone
        self.reason = reason
    }

    /// Reads a window as written in the configuration.
    /// - Parameters:
    ///   - from: e.g. `fri 15:00`.
    ///   - to: e.g. `mon 08:00`.
    ///   - timeZone: an IANA zone, e.g. `Europe/Berlin`.
    ///   - reason: shown to people whose deploy is refused.
    /// - Throws: `FreezeWindowError` naming the field and the bad value.
    public static func parse(from: String, to: String, timeZone: String, reason: String) throws(FreezeWindowError)
        -> FreezeWindow
    {
        let start = try WeeklyTime.parse(from, field: "from")
        let end = try WeeklyTime.parse(to, field: "to")
        guard let zone = Self.zone(named: timeZone) else {
            let hint =
                Suggestion.closest(to: timeZone, among: TimeZone.knownTimeZoneIdentifiers)
                .map { " (did you mean \"\($0)\"?)" } ?? ""
            throw FreezeWindowError(
                field: "timeZone",
                problem: "unknown time zone \"\(timeZone)\"\(hint); use an IANA name such as Europe/Berlin or UTC")
        }
        return try FreezeWindow(from: start, to: end, timeZone: zone, reason: reason)
    }

    private static func zone(named name: String) -> TimeZone? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        return TimeZone(identifier: trimmed)
    }

    /// How long the window lasts by the wall clock, in minutes (DST changes inside it make it an hour longer or
    /// shorter in real time).
    public var wallMinutes: Int {
        (to.minuteOfWeek - from.minuteOfWeek + WeeklyTime.minutesPerWeek) % WeeklyTime.minutesPerWeek
    }

    /// The window's occurrences whose start lies in `lower...upper`, in order.
    public func occurrences(startingFrom lower: Date, through upper: Date) -> [DateInterval] {
        guard lower <= upper else { return [] }
        var local = Calendar(identifier: .gregorian)
        local.timeZone = timeZone
        let first = WallClock.civilDay(of: lower.addingTimeInterval(-86_400), in: local)
        let last = WallClock.civilDay(of: upper.addingTimeInterval(86_400), in: local)
        var result: [DateInterval] = []
        var day = first
        while day <= last {
            defer { day += 86_400 }
            guard WallClock.weekdayIndex(ofCivilDay: day) == from.weekday.index else { continue }
            let wallStart = day + TimeInterval(from.hour * 3_600 + from.minute * 60)
            let wallEnd = wallStart + TimeInterval(wallMinutes * 60)
            let start = WallClock.instant(wall: wallStart, in: timeZone)
            let end = WallClock.instant(wall: wallEnd, in: timeZone)
            guard start >= lower, start <= upper, end > start else { continue }
            result.append(DateInterval(start: start, end: end))
        }
        return result
    }
}

/// A weekday and a wall-clock time, e.g. `fri 15:00`.
public struct WeeklyTime: Sendable, Hashable, CustomStringConvertible {
    public enum Weekday: String, Sendable, Hashable, CaseIterable {
        case mon, tue, wed, thu, fri, sat, sun
        /// Monday 0 … Sunday 6.
        var index: Int { Self.allCases.firstIndex(of: self)! }
        var fullName: String {
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][index]
        }
    }

    static let minutesPerWeek = 7 * 24 * 60

    public var weekday: Weekday
    public var hour: Int
    public var minute: Int

    public init(weekday: Weekday, hour: Int, minute: Int) {
        precondition((0..<24).contains(hour) && (0..<60).contains(minute), "a wall time is 00:00 to 23:59")
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
    }

    var minuteOfWeek: Int { weekday.index * 1_440 + hour * 60 + minute }

    public var description: String {
        "\(weekday.rawValue) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute)"
    }

    /// Reads `fri 15:00` (weekday as three letters or in full, any case; 24-hour `H:MM` or `HH:MM`).
    /// - Parameter field: the configuration field named in errors.
    public static func parse(_ text: String, field: String = "from") throws(FreezeWindowError) -> WeeklyTime {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count == 2 else {
            throw FreezeWindowError(
                field: field, problem: "must be a weekday and a 24-hour time, e.g. \"fri 15:00\"; got \"\(text)\"")
        }
        let dayText = parts[0].lowercased()
        guard let day = Weekday.allCases.first(where: { $0.rawValue == dayText || $0.fullName == dayText }) else {
            let names = Weekday.allCases.map(\.rawValue)
            let hint = Suggestion.closest(to: dayText, among: names).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw FreezeWindowError(
                field: field,
                problem: "unknown weekday \"\(parts[0])\"\(hint); use one of \(names.joined(separator: ", "))")
        }
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 2, (1...2).contains(clock[0].count), clock[1].count == 2,
            clock.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else {
            throw FreezeWindowError(
                field: field, problem: "bad time \"\(parts[1])\"; use 24-hour HH:MM from 00:00 to 23:59, e.g. 15:00")
        }
        return WeeklyTime(weekday: day, hour: hour, minute: minute)
    }
}

/// A freeze window that cannot be read: which field (`from`, `to`, `timeZone`) and what is wrong with it.
public struct FreezeWindowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration key of the bad value.
    public var field: String
    public var problem: String
    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }
    public var description: String { "\(field): \(problem)" }
}

/// Wall-clock arithmetic. A "wall" date is the local date and time written as if it were UTC, so days can be added
/// with plain seconds; `instant(wall:in:)` turns it into the real instant by the zone's rules.
enum WallClock {
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Midnight of the local day containing `instant`, as a wall date.
    static func civilDay(of instant: Date, in local: Calendar) -> Date {
        let parts = local.dateComponents([.year, .month, .day], from: instant)
        return utc.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day))!
    }

    /// Monday 0 … Sunday 6 of a wall date's day.
    static func weekdayIndex(ofCivilDay day: Date) -> Int {
        (utc.component(.weekday, from: day) + 5) % 7  // Calendar: Sunday 1 … Saturday 7
    }

    /// The first instant at which the zone's clock reads `wall` or later (see `FreezeWindow`).
    static func instant(wall: Date, in zone: TimeZone) -> Date {
        let probes = [wall.addingTimeInterval(-86_400), wall, wall.addingTimeInterval(86_400)]
        let offsets = Set(probes.map { zone.secondsFromGMT(for: $0) })
        let valid = offsets.map { wall.addingTimeInterval(-TimeInterval($0)) }
            .filter { TimeInterval(zone.secondsFromGMT(for: $0)) == wall.timeIntervalSince($0) }
        if let first = valid.min() { return first }
        // In a gap: the clock jumps from below `wall` to above it. Find the jump: before it the offset is the
        // smaller one, from it on the larger.
        let before = offsets.min()!
        let after = offsets.max()!
        var low = wall.addingTimeInterval(-TimeInterval(after)).timeIntervalSince1970  // still the old offset
        var high = wall.addingTimeInterval(-TimeInterval(before)).timeIntervalSince1970  // already the new one
        while high - low > 1 {
            let middle = ((low + high) / 2).rounded(.down)
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: middle)) == after {
                high = middle
            } else {
                low = middle
            }
        }
        return Date(timeIntervalSince1970: high)
    }
}
