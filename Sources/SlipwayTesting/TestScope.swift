import Foundation
import Synchronization

/// What a test started and must undo: servers to stop and temporary directories to remove, undone in reverse order
/// when the scope ends, whether the test returned or threw (Hummingbird's `app.test { client in … }` does the same
/// for its application).
///
/// ```swift
/// try await TestScope.run {
///     let h = try SlipwayHarness()  // joins the scope: stopped and removed when it ends
///     …
/// }
/// ```
///
/// Tests get one per test from the `.harnessScope` trait (`@Suite("…", .harnessScope)`); `SlipwayHarness.with` opens
/// one for a single harness.
public final class TestScope: Sendable {
    /// The scope of the running task, if any.
    @TaskLocal public static var current: TestScope?

    private let cleanups = Mutex<[@Sendable () async -> Void]>([])

    private init() {}

    /// Runs `body` in a new scope, then undoes everything registered in it, last first.
    public static func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let scope = TestScope()
        do {
            let result = try await $current.withValue(scope) { try await body() }
            await scope.close()
            return result
        } catch {
            await scope.close()
            throw error
        }
    }

    /// Runs `cleanup` when the current scope ends; does nothing outside a scope.
    public static func onExit(_ cleanup: @escaping @Sendable () async -> Void) {
        current?.cleanups.withLock { $0.append(cleanup) }
    }

    /// Removes `path` (a temporary file or directory) when the current scope ends.
    public static func removeOnExit(_ path: String) {
        onExit { try? FileManager.default.removeItem(atPath: path) }
    }

    private func close() async {
        let pending = cleanups.withLock { cleanups in
            defer { cleanups.removeAll() }
            return cleanups
        }
        for cleanup in pending.reversed() { await cleanup() }
    }
}
