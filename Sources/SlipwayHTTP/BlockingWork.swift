import Dispatch

/// Runs blocking work (curl, git, a C database call) on a Dispatch queue so it never blocks the cooperative pool.
public enum BlockingWork {
    private static let queue = DispatchQueue(label: "slipway.blocking", attributes: .concurrent)

    /// Runs `body` on a blocking-work thread and resumes with its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
