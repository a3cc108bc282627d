import Foundation
import SlipwayGitOps
import SlipwayTesting
import Testing

/// Prints how long one deploy commit takes against a local bare remote. Not a pass/fail check (no timed
/// assertions in unit tests); run it with `SLIPWAY_GITOPS_TIMING=1 swift test --filter CommitTimingTests`.
@Suite("commitImageTag timing")
struct CommitTimingTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["SLIPWAY_GITOPS_TIMING"] != nil,
            "set SLIPWAY_GITOPS_TIMING=1 to print commit timings"))
    func medianCommitTime() async throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example"))
        try await repository.prepare()
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for round in 0..<21 {
            let change = ImageTagChange(
                file: GitFixture.kustomization("shop", "prod"), image: GitFixture.image("shop"),
                newTag: "main-\(round)abcdef", service: "shop", environment: "prod", deployId: "dep-\(round)",
                requestedBy: "ci", sourceCommit: nil)
            let start = clock.now
            let outcome = try await repository.commitImageTag(change)
            samples.append(clock.now - start)
            guard case .committed = outcome else {
                Issue.record("round \(round) did not commit")
                return
            }
        }
        let sorted = samples.sorted()
        print(
            "commitImageTag against a local bare remote, \(samples.count) runs: median \(sorted[sorted.count / 2]), "
                + "min \(sorted.first!), max \(sorted.last!)")
        #expect(try fixture.remoteLog().count == 22)
    }
}
