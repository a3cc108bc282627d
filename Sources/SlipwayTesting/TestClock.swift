import Foundation
import Synchronization

/// A manual clock for tests: time moves only when the test says so. Thread-safe.
///
/// ```swift
/// let clock = TestClock(unixSeconds: 1_531_420_618)
/// let verifier = SlackRequestVerifier(signingSecret: secret, clock: clock.unixSecondsSource)
/// clock.advance(by: 301)
/// ```
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// - Parameter now: The starting time (default 2023-11-14T22:13:20Z, Unix 1 700 000 000).
    public init(now: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = Mutex(now) }

    /// - Parameter unixSeconds: The starting time in Unix seconds.
    public convenience init(unixSeconds: Int64) { self.init(now: Date(timeIntervalSince1970: Double(unixSeconds))) }

    /// The current time.
    public var now: Date { current.withLock { $0 } }

    /// The current time in whole Unix seconds (rounded down).
    public var unixSeconds: Int64 { Int64(now.timeIntervalSince1970.rounded(.down)) }

    /// Moves time forward (or backward, with a negative amount).
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    /// Moves time forward by a duration.
    public func advance(by duration: Duration) {
        let parts = duration.components
        advance(by: Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }

    /// Jumps to a point in time.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// A closure reading this clock in Unix seconds, for APIs that take `@Sendable () -> Int64`.
    public var unixSecondsSource: @Sendable () -> Int64 { { [self] in unixSeconds } }

    /// A closure reading this clock as a `Date`, for APIs that take `@Sendable () -> Date`.
    public var dateSource: @Sendable () -> Date { { [self] in now } }
}
