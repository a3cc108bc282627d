import Foundation

/// Durations as people type them in Slack: `45s`, `90m`, `2h`, `1d`, or combined largest unit first, `1h30m`.
public enum DurationText {
    /// The longest duration accepted: a freeze or lock of more than a year is a typo, not a plan.
    public static let maximum: TimeInterval = 366 * 86_400

    private static let units: [(suffix: UInt8, seconds: TimeInterval)] = [
        (UInt8(ascii: "d"), 86_400), (UInt8(ascii: "h"), 3_600), (UInt8(ascii: "m"), 60), (UInt8(ascii: "s"), 1),
    ]

    /// Reads a duration such as `45s`, `90m`, `2h`, `1d` or `1h30m` (units in falling order, each at most once;
    /// upper case is accepted).
    /// - Returns: the duration in seconds, or nil for anything else: no unit, an unknown unit, zero, a sign, a
    ///   fraction, units out of order or repeated, or more than a year.
    public static func parse(_ text: String) -> TimeInterval? {
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).lowercased().utf8)
        guard !bytes.isEmpty else { return nil }
        var total: TimeInterval = 0
        var number: Int?
        var nextUnit = 0  // index into `units`: each unit must come after the ones already used
        for byte in bytes {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                let digit = Int(byte - UInt8(ascii: "0"))
                let (times, overflow1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2, sum <= 1_000_000_000 else { return nil }
                number = sum
                continue
            }
            guard let value = number,
                let index = units[nextUnit...].firstIndex(where: { $0.suffix == byte })
            else { return nil }
            total += TimeInterval(value) * units[index].seconds
            number = nil
            nextUnit = index + 1
        }
        guard number == nil, total > 0, total <= maximum else { return nil }
        return total
    }

    /// A duration for people: `45s`, `90m` → `1h 30m`, `2h`, `1d 2h`; rounded to whole seconds, at most the two
    /// largest units (`1d 2h 3m` → `1d 2h`), and `0s` for anything below a second.
    public static func describe(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 1 else { return "0s" }
        var rest = Int(min(seconds, 1e15).rounded())
        var parts: [String] = []
        for (suffix, size) in units {
            let unitSeconds = Int(size)
            let count = rest / unitSeconds
            rest -= count * unitSeconds
            if count > 0 || !parts.isEmpty {
                if count > 0 { parts.append("\(count)\(Character(UnicodeScalar(suffix)))") }
                if parts.count == 2 || (!parts.isEmpty && count == 0) { break }
            }
        }
        return parts.joined(separator: " ")
    }
}
