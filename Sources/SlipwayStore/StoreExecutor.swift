import Dispatch

/// The threads a store's blocking work runs on: SQLite's group-commit waits, libpq's network round trips and the
/// connection pools' waits block a thread, so async callers hop here instead of blocking the cooperative pool
/// (as GRDB's `write(_:) async` hops to the database's own queue).
public final class StoreExecutor: Sendable {
    private let queue: DispatchQueue

    /// - Parameter label: names the threads in a debugger or a stack dump (`slipway.store.sqlite`).
    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated, attributes: .concurrent)
    }

    /// Runs `work` on one of the store's threads and resumes with its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
