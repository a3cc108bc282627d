import Synchronization

/// How long the outbox waits after store errors: exponential backoff from a quarter second up to 30 s, reset by
/// the first store call that works.
final class StoreTrouble: Sendable {
    private struct State {
        var failures = 0
        var pausedUntil: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    static let maxPause: Double = 30

    /// Counts a failure. - Returns: the seconds to pause for.
    @discardableResult
    func failed() -> Double {
        state.withLock { state in
            state.failures += 1
            let pause = min(Self.maxPause, 0.25 * Double(1 << min(state.failures - 1, 12)))
            state.pausedUntil = .now + .milliseconds(Int(pause * 1000))
            return pause
        }
    }

    func worked() {
        state.withLock { state in
            state.failures = 0
            state.pausedUntil = nil
        }
    }

    /// Seconds left to pause, or nil when the outbox may go on.
    func remainingPause() -> Double? {
        state.withLock { state in
            guard let until = state.pausedUntil else { return nil }
            let left = ContinuousClock.now.duration(to: until)
            guard left > .zero else { return nil }
            return Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
        }
    }
}
