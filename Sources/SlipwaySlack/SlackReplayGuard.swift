import Synchronization

/// Remembers the signatures of the Slack requests already accepted, so a captured request replayed within the
/// signature's validity window has no effect.
///
/// Slack signs every request with its timestamp, and ``SlackRequestVerifier`` accepts a timestamp up to
/// `window` seconds away from now, so a signature is worth remembering for exactly that long: a replay after that
/// fails verification anyway. Slack itself never sends one signed request twice to these endpoints: it retries
/// Events API deliveries (with a new `X-Slack-Retry-Num` and signature), not slash commands or interactions, so a
/// repeated signature is always a replay, never a legitimate retry.
///
/// The memory is per process, on the acknowledgement path (a dictionary look-up under a lock, no store round
/// trip: Slack waits at most 3 s for the answer): the fast first filter. A replay sent to another replica (or after
/// a restart) passes it; the app then records the signature of every request that changes something in the store,
/// in the transaction of its effect, which catches such a replay there.
public final class SlackReplayGuard: Sendable {
    /// How long a signature is remembered, in seconds (the verifier's tolerance).
    public let windowSeconds: Int64
    /// Most signatures remembered at once; beyond it the oldest are forgotten first (a flood of valid signed
    /// requests only the signing-secret holder can make, so this only bounds memory).
    public let capacity: Int
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    private struct State: ~Copyable {
        /// Signature → Unix second after which it is forgotten.
        var expiries: [String: Int64] = [:]
        /// Signatures in the order they were first seen, for expiry from the front.
        var order: [String] = []
        var head = 0
    }

    /// - Parameters:
    ///   - windowSeconds: How long to remember a signature; use the verifier's `toleranceSeconds`.
    ///   - capacity: Most signatures remembered at once.
    ///   - clock: Current time in Unix seconds (the verifier's clock, so tests move both together).
    public init(
        windowSeconds: Int64 = 300, capacity: Int = 200_000,
        clock: @escaping @Sendable () -> Int64 = SlackRequestVerifier.systemClock
    ) {
        self.windowSeconds = windowSeconds
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// Records the signature of a verified request.
    /// - Parameters:
    ///   - signature: The `X-Slack-Signature` value of a request that passed verification.
    ///   - timestamp: Its `X-Slack-Request-Timestamp` in Unix seconds.
    /// - Returns: true the first time a signature is seen within its window, false for a replay.
    public func firstSighting(signature: String, timestamp: Int64) -> Bool {
        let now = clock()
        // The verifier accepts this signature until its timestamp is `window` seconds in the past.
        let expiry = max(timestamp, now) + windowSeconds
        return state.withLock { state in
            Self.forgetExpired(&state, now: now, capacity: capacity)
            if let known = state.expiries[signature], known >= now { return false }
            state.expiries[signature] = expiry
            state.order.append(signature)
            return true
        }
    }

    /// The guard's clock: now, in Unix seconds.
    public var nowSeconds: Int64 { clock() }

    /// Signatures remembered now (for tests and metrics).
    public var count: Int { state.withLock { $0.expiries.count } }

    private static func forgetExpired(_ state: inout State, now: Int64, capacity: Int) {
        while state.head < state.order.count {
            let oldest = state.order[state.head]
            let expired = (state.expiries[oldest] ?? .min) < now
            guard expired || state.expiries.count >= capacity else { break }
            state.expiries[oldest] = nil
            state.head += 1
        }
        // Compact the queue once its dead front is as long as the live part.
        if state.head > 1024 && state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
