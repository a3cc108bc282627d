import SlipwayTesting
import Testing

/// Gives every test its own `TestScope`: each `SlipwayHarness` (and each temporary directory registered with the
/// scope) the test starts is stopped and removed before the test counts as finished, whether it passed, failed or
/// threw. On a suite, it applies to each of the suite's tests.
struct HarnessScope: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // The suite itself gets no scope of its own: each test (each case of a parameterized one) gets one.
        guard !test.isSuite else { return try await function() }
        try await TestScope.run { try await function() }
    }
}

extension Trait where Self == HarnessScope {
    /// Stops the harnesses a test starts, and removes their temporary directories, when the test ends.
    static var harnessScope: Self { Self() }
}
