import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting

/// `slipway-bench verify`: with `autoRollback`, the time from the first failing sample — the first moment the real
/// Prometheus answers the error-ratio query above its limit — to Slipway's rollback commit on the GitOps remote,
/// over several runs (goal: at most one check interval + 2 s); and the Prometheus queries one verified deploy costs.
enum VerifyBench {
    static func run(runs: Int, intervalSeconds: Double, windowSeconds: Double) async throws {
        guard PrometheusServer.isInstalled else {
            throw BenchCommand.UsageError(message: PrometheusServer.missingMessage)
        }
        try await TestScope.run {
            let world = try await VerificationWorld(
                autoRollback: true, stabilityWindowSeconds: windowSeconds, intervalSeconds: intervalSeconds)
            let h = world.harness
            h.startServices()
            let good = "main-600d000"
            _ = try await h.reply("/deploy shop staging \(good)")
            let first = try h.latestDeploy("shop", "staging")!
            guard await h.waitUntil(timeout: windowSeconds + 60, { try h.deploy(first.id)?.state.isTerminal == true }),
                let verified = try h.deploy(first.id), verified.isVerified, let record = verified.verification
            else { throw BenchCommand.UsageError(message: "the first deploy was not verified") }
            print(
                "verified deploy: \(record.samples) samples × \(record.checks.count) checks = \(record.queries) "
                    + "Prometheus queries over a \(Int(windowSeconds)) s window every \(intervalSeconds) s "
                    + "(the defaults, 300 s every 30 s, make \(Int(300 / 30)) samples: \(Int(300 / 30) * record.checks.count) queries)"
            )
            var latencies: [Double] = []
            for run in 1...runs {
                let bad = "main-bad\(String(format: "%04d", run))"
                _ = try await h.reply("/deploy shop staging \(bad)")
                let deploy = try h.latestDeploy("shop", "staging")!
                guard await h.waitUntil(timeout: 60, { try h.deploy(deploy.id)?.state == .verifying }) else {
                    throw BenchCommand.UsageError(message: "run \(run): \(bad) did not reach verifying")
                }
                world.metrics.set(track: "primary", errorRatio: 0.2)
                let limit = QueryTemplate.expand(VerificationWorld.errorRatioQuery, ["track": "primary"])
                var firstFailing: Date?
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline {
                    if firstFailing == nil, let value = world.prometheus.value(of: limit), value > 0.01 {
                        firstFailing = Date()
                    }
                    if firstFailing != nil, (try? h.remoteTag("shop", "staging")) == good { break }
                    try await Task.sleep(nanoseconds: 10_000_000)
                }
                guard let firstFailing, (try? h.remoteTag("shop", "staging")) == good else {
                    throw BenchCommand.UsageError(message: "run \(run): no rollback commit within 30 s")
                }
                let seconds = Date().timeIntervalSince(firstFailing)
                latencies.append(seconds)
                print(
                    String(
                        format: "run %2d: first failing sample → rollback commit on the remote: %.2f s", run, seconds))
                // Back to healthy, unlocked, and the failing samples out of the query's range before the next run.
                world.metrics.set(track: "primary", errorRatio: 0.001)
                _ = await world.waitForErrorRatio(timeout: 30) { $0 < 0.01 }
                // The rollback's own success locks the environment too: unlock once it has ended.
                _ = await h.waitUntil(timeout: windowSeconds + 30) {
                    try h.latestDeploy("shop", "staging")?.state.isTerminal == true
                }
                _ = try await h.reply("/deploy unlock shop staging")
            }
            let sorted = latencies.sorted()
            let median =
                sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            print(
                String(
                    format: "median over %d runs: %.2f s (max %.2f s); goal ≤ interval %.0f s + 2 s = %.0f s: %@",
                    runs, median, sorted.last ?? 0, intervalSeconds, intervalSeconds + 2,
                    median <= intervalSeconds + 2 ? "met" : "NOT met"))
            print("Prometheus queries made in all: \(h.app.verification.queryCount)")
        }
    }
}
