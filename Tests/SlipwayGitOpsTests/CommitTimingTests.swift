import Foundation
import SlipwayGitOps
import SlipwaySubprocess
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
        let baselineClone = try fixture.makeClone(named: "baseline")
        let clock = ContinuousClock()
        var samples: [Duration] = []
        var baseline: [Duration] = []
        for round in 0..<21 {
            // The same git steps from a shell, interleaved so both see the same machine load.
            let baselineStart = clock.now
            try shell(baselineSteps(clone: baselineClone, tag: "main-\(round)baseline"))
            baseline.append(clock.now - baselineStart)

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
        let baselineMedian = baseline.sorted()[baseline.count / 2]
        let median = sorted[sorted.count / 2]
        print(
            "commitImageTag against a local bare remote, \(samples.count) runs: median \(median), "
                + "min \(sorted.first!), max \(sorted.last!); the same git commands from sh: median "
                + "\(baselineMedian); ratio \(median / baselineMedian)")
        #expect(try fixture.remoteLog().count == 43)
    }

    private func baselineSteps(clone: String, tag: String) -> String {
        let git = "git -c core.hooksPath=/dev/null -c gc.auto=0 -c user.name=B -c user.email=b@nortinia.example"
        let file = GitFixture.kustomization("shop", "staging")
        return """
            set -e; cd '\(clone)'
            \(git) fetch -q --no-tags origin +refs/heads/main:refs/remotes/origin/main
            \(git) reset -q --hard refs/remotes/origin/main
            sed -i 's/newTag: [^ ]*/newTag: \(tag)/' \(file)
            \(git) commit -q --no-verify -m 'deploy: \(tag)' -- \(file)
            \(git) rev-parse HEAD >/dev/null
            \(git) push -q origin HEAD:refs/heads/main
            """
    }

    private func shell(_ script: String) throws {
        let result = try Subprocess.run("/bin/sh", ["-c", script], mergeStandardError: true)
        #expect(result.status == 0, "\(result.stdoutText)")
    }
}
