import Foundation
import Testing

extension Tag {
    /// The fault suite (`make faults`): Slipway under a bad day — a replica killed, PostgreSQL restarted, Slack
    /// rate limiting and failing, the GitOps remote gone.
    @Tag static var faults: Self
}

/// The namespace of the fault suite's suites; `swift test --filter SlipwayAppTests.Faults` runs all of them.
enum Faults {
    /// Polls `condition` until it holds or `timeout` seconds pass. - Returns: whether it held.
    static func waitUntil(timeout: Double = 10, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 25_000_000)
        }
        return (try? await condition()) == true
    }
}
