import Foundation

extension K8s {
    /// RFC 3339 timestamps as Kubernetes and Flux write them, converted by hand (no locale, no formatter cache).
    public enum Timestamp {
        /// Formats `date` in UTC as `2026-11-20T10:00:00.123456789Z`.
        /// - Parameters:
        ///   - date: The instant.
        ///   - fractionDigits: 0 for whole seconds, up to 9 for nanoseconds.
        /// - Returns: The RFC 3339 text.
        public static func format(_ date: Date, fractionDigits: Int = 0) -> String {
            let digits = min(max(fractionDigits, 0), 9)
            let interval = date.timeIntervalSince1970
            var seconds = Int64(interval.rounded(.down))
            // A Date (a Double) resolves about a microsecond today: digits past the sixth are padded with zeros
            // rather than filled with floating-point noise.
            let significant = min(digits, 6)
            var scale: Int64 = 1
            for _ in 0..<significant { scale *= 10 }
            var fraction = Int64(((interval - Double(seconds)) * Double(scale)).rounded())
            if fraction >= scale {
                fraction -= scale
                seconds += 1
            }
            for _ in significant..<digits { fraction *= 10 }
            let days = floorDivide(seconds, 86_400)
            let secondOfDay = seconds - days * 86_400
            let (year, month, day) = civil(fromDays: days)
            var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            if digits > 0 { text += "." + pad(fraction, digits) }
            return text + "Z"
        }

        /// Parses `2026-11-20T10:01:09Z`, with optional fraction and `±hh:mm` offset.
        /// - Returns: nil when the text is not RFC 3339.
        public static func parse(_ text: String) -> Date? {
            let bytes = Array(text.utf8)
            func number(_ start: Int, _ count: Int) -> Int64? {
                guard start + count <= bytes.count else { return nil }
                var value: Int64 = 0
                for byte in bytes[start..<start + count] {
                    guard byte >= 48, byte <= 57 else { return nil }
                    value = value * 10 + Int64(byte - 48)
                }
                return value
            }
            guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 116,
                bytes[13] == 58, bytes[16] == 58,
                let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
            else { return nil }
            var index = 19
            var fraction = 0.0
            if bytes[index] == 46 {
                index += 1
                var scale = 0.1
                let start = index
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    fraction += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
            guard index < bytes.count else { return nil }
            var offset: Int64 = 0
            switch bytes[index] {
            case 90, 122:  // Z z
                guard index + 1 == bytes.count else { return nil }
            case 43, 45:  // + -
                guard index + 6 == bytes.count, bytes[index + 3] == 58,
                    let hours = number(index + 1, 2), let minutes = number(index + 4, 2)
                else { return nil }
                offset = (hours * 3600 + minutes * 60) * (bytes[index] == 45 ? -1 : 1)
            default:
                return nil
            }
            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }

        private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
            a >= 0 ? a / b : (a - b + 1) / b
        }

        private static func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }

        // Howard Hinnant's days_from_civil / civil_from_days, proleptic Gregorian calendar.
        private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
            let y = month <= 2 ? year - 1 : year
            let era = floorDivide(y, 400)
            let yearOfEra = y - era * 400
            let shiftedMonth = month > 2 ? month - 3 : month + 9
            let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }

        private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
            let z = days + 719_468
            let era = floorDivide(z, 146_097)
            let dayOfEra = z - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let shiftedMonth = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
            let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
            return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
        }
    }
}
