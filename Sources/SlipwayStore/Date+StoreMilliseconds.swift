import Foundation

extension Date {
    /// Unix time in whole milliseconds, as stored (rounded down, so a stored date is never later than the original).
    var storeMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded(.down))
    }

    init(storeMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000)
    }
}
