import DeployCore
import Foundation
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("45s", 45.0), ("90m", 5_400), ("2h", 7_200), ("1d", 86_400), ("1h30m", 5_400), ("1d12h", 129_600),
        ("2H", 7_200), (" 15m ", 900), ("1h0m", 3_600), ("366d", 31_622_400), ("1m30s", 90),
    ])
    func parsesDurationsPeopleType(text: String, seconds: Double) {
        #expect(DurationText.parse(text) == seconds)
    }

    @Test(arguments: [
        "", "0s", "0m", "0h0m", "-5m", "+5m", "5", "m", "5x", "1.5h", "1 h", "h1", "30m1h", "1h1h", "1h 30m",
        "367d", "99999999999999999999d", "2hours", "1w", "١h",
    ])
    func rejectsZeroNegativeAndGarbage(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (45.0, "45s"), (5_400, "1h 30m"), (7_200, "2h"), (86_400, "1d"), (93_784, "1d 2h"), (0.4, "0s"),
        (59.6, "1m"), (90_000, "1d 1h"), (86_700, "1d"), (3_661, "1h 1m"),
    ])
    func describesForPeople(seconds: Double, text: String) {
        #expect(DurationText.describe(seconds) == text)
    }

    @Test func describedDurationsParseBack() {
        for seconds in [45.0, 5_400, 7_200, 86_400, 129_600] {
            let text = DurationText.describe(seconds).replacingOccurrences(of: " ", with: "")
            #expect(DurationText.parse(text) == seconds)
        }
    }
}
