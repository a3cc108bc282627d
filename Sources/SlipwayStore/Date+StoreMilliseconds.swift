import Foundation

extension Date {
    /// Unix time in milliseconds, as stored: rounded to the nearest, so a date given to the millisecond reads back
    /// equal.
    var storeMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    init(storeMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000)
    }
}
