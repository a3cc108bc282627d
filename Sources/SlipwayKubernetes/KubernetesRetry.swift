/// Retries retryable Kubernetes calls (5xx, 429, transport failures) with exponential backoff and jitter.
public struct KubernetesRetry: Sendable {
    /// Total attempts, including the first.
    public var attempts: Int
    /// Delay before the second attempt, in seconds; doubled for each later one.
    public var initialDelay: Double
    /// Longest delay between attempts, in seconds.
    public var maxDelay: Double
    /// Waits between attempts; injectable so tests do not sleep.
    public var sleep: @Sendable (Double) async throws -> Void

    public init(
        attempts: Int = 3, initialDelay: Double = 0.2, maxDelay: Double = 2,
        sleep: @escaping @Sendable (Double) async throws -> Void = { seconds in
            try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
        }
    ) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// No retries.
    public static let never = KubernetesRetry(attempts: 1)

    /// Runs `operation`, repeating it while it throws a retryable `KubernetesError` and attempts remain.
    /// - Returns: The first successful result.
    /// - Throws: The last error, or the first that is not retryable.
    @discardableResult
    public func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        var delay = initialDelay
        for attempt in 1...attempts {
            do {
                return try await operation()
            } catch let error as KubernetesError where error.isRetryable && attempt < attempts {
                // The server's Retry-After wins (bounded, so a bad header cannot stall a poll for long).
                let wait = error.retryAfterSeconds.map { min($0, 30) } ?? delay * Double.random(in: 0.8...1.2)
                try await sleep(wait)
                delay = min(delay * 2, maxDelay)
            }
        }
        // The loop returns or throws on its last attempt.
        preconditionFailure("unreachable")
    }
}
