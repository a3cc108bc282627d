import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

@Suite("GET /metrics and /status stats", .harnessScope)
struct MetricsAndStatsTests {
    @Test("after a success, a failure and a rollback the metrics and the 90-day stats show the right numbers")
    func metricsAfterDeploys() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        h.slack.failNext(method: "chat.update", with: .serverError)

        let good = try await h.ciDeploy("shop", "staging", sha: "4a1b2c3d4e5f", tag: "main-4a1b2c3")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(good)?.state == .succeeded })
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .fail(.oomKilled))
        let bad = try await h.ciDeploy("shop", "staging", sha: "5a1b2c3d4e5f", tag: "main-5a1b2c3")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(bad)?.state == .failed })
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .succeed)
        _ = try await h.reply("/rollback shop staging", user: "U0BOB")
        let rollback = try #require(try h.latestDeploy("shop", "staging"))
        #expect(rollback.kind == .rollback && rollback.targetTag == "main-4a1b2c3")
        // Staging deploys need no approval, so neither do its rollbacks.
        #expect(rollback.approval == nil)
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(rollback.id)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })
        _ = try await h.send(.get, "/no-such-page")

        let response = try await h.send(.get, "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let metrics = PrometheusText(response.bodyText)
        #expect(metrics.problems.isEmpty, "\(metrics.problems)")
        #expect(metrics["slipway_http_requests_total{route=\"/api/v1/deploy/image-built\",status=\"202\"}"] == 2)
        #expect(metrics["slipway_http_requests_total{route=\"unmatched\",status=\"404\"}"] == 1)
        let staging = "service=\"shop\",env=\"staging\""
        #expect(metrics["slipway_deploys_total{\(staging),kind=\"deploy\",result=\"succeeded\"}"] == 1)
        #expect(metrics["slipway_deploys_total{\(staging),kind=\"deploy\",result=\"failed\"}"] == 1)
        #expect(metrics["slipway_deploys_total{\(staging),kind=\"rollback\",result=\"succeeded\"}"] == 1)
        #expect(metrics["slipway_deploy_duration_seconds_count{\(staging)}"] == 3)
        #expect(metrics["slipway_deploy_duration_seconds_bucket{\(staging),le=\"+Inf\"}"] == 3)
        #expect(metrics["slipway_deploy_duration_seconds_bucket{\(staging),le=\"60\"}"] == 3)
        #expect((metrics["slipway_deploy_duration_seconds_sum{\(staging)}"] ?? 0) > 0)
        #expect(metrics.sum("slipway_outbox_pending") == 0)
        #expect(metrics.sum("slipway_outbox_failed") == 0)
        #expect((metrics["slipway_outbox_delivery_failures_total{destination=\"deploy_message\"}"] ?? 0) >= 1)
        #expect(metrics.sum("slipway_outbox_deliveries_total") >= 10)
        #expect(metrics["slipway_dora_deploys"] == 1)
        #expect(metrics["slipway_dora_rollbacks"] == 1)
        #expect(metrics["slipway_dora_failed_deploys"] == 1)
        #expect(metrics["slipway_dora_change_failure_ratio"] == 0.5)
        let lead = try #require(metrics["slipway_dora_lead_time_median_seconds"])
        let stored = try #require(try h.deploy(good))
        #expect(abs(lead - stored.finishedAt!.timeIntervalSince(stored.createdAt)) < 0.01)

        let stats = try await h.reply("/status stats")
        #expect(stats.type == "ephemeral")
        #expect(stats.text.contains("Last 90 days"))
        #expect(stats.text.contains("1 successful deploy, 1 rollback, 1 failed (50.0% change failure rate)"))
        #expect(stats.text.contains("-minute median lead time"))
    }

    @Test("lead time runs from the image build (commit) to live, also for promotions typed later in Slack")
    func leadTimeFromImageBuild() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        func deploy(
            _ id: String, env: String = "prod", kind: DeployKind = .deploy, state: DeployState, sha: String? = nil,
            requested: Double, finished: Double
        ) -> Deploy {
            var d = Deploy(
                id: id, service: "shop", environment: env, kind: kind, source: .slack, targetTag: "t-\(id)",
                sourceCommit: sha, requestedBy: "U0ALICE", createdAt: start.addingTimeInterval(requested))
            d.state = state
            d.finishedAt = start.addingTimeInterval(finished)
            return d
        }
        let deploys = [
            // Built at 0, promoted at 3000, live at 3600: one hour of lead time, not ten minutes.
            deploy("a", state: .succeeded, sha: "aaaaaaa", requested: 3000, finished: 3600),
            deploy("b", state: .succeeded, requested: 0, finished: 120),
            deploy("c", state: .succeeded, sha: "ccccccc", requested: 100, finished: 700),
            deploy("d", state: .failed, requested: 0, finished: 60),
            deploy("e", state: .rolledBack, requested: 0, finished: 60),
            deploy("f", kind: .rollback, state: .succeeded, requested: 0, finished: 60),
            deploy("g", kind: .rollback, state: .failed, requested: 0, finished: 60),
            deploy("h", state: .superseded, requested: 0, finished: 60),
        ]
        let built = ["aaaaaaa": start, "ccccccc": start.addingTimeInterval(100)]
        let stats = DeliveryStats(deploys: deploys, builtAt: { d in d.sourceCommit.flatMap { built[$0] } })
        #expect(stats.succeeded == 3)
        #expect(stats.failed == 2)
        #expect(stats.rollbacks == 1)
        #expect(stats.medianLeadTime == 600)
        #expect(stats.changeFailureRate == 0.4)
        #expect(
            stats.summary
                == "3 successful deploys, 1 rollback, 2 failed (40.0% change failure rate), 10.0-minute median lead time"
        )
        let many = DeliveryStats(
            deploys: (0..<1247).map { deploy("s\($0)", state: .succeeded, requested: 0, finished: 546) })
        #expect(many.summary.hasPrefix("1,247 successful deploys, 0 rollbacks, 0 failed (0.0% change failure rate)"))
        #expect(many.summary.hasSuffix("9.1-minute median lead time"))
    }
}

/// Prometheus text exposition, parsed strictly enough to catch format mistakes.
struct PrometheusText {
    var samples: [String: Double] = [:]
    var problems: [String] = []

    init(_ text: String) {
        var typed: Set<String> = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count != 4 { problems.append("bad TYPE line: \(line)") }
                if !typed.insert(String(parts[2])).inserted { problems.append("TYPE repeated: \(line)") }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " ") else {
                problems.append("no value: \(line)")
                continue
            }
            let series = String(line[..<space])
            guard let value = Double(line[line.index(after: space)...]) else {
                problems.append("bad value: \(line)")
                continue
            }
            let name = String(series.prefix { $0 != "{" })
            let family = ["_bucket", "_sum", "_count"].reduce(name) { family, suffix in
                family.hasSuffix(suffix) && typed.contains(String(family.dropLast(suffix.count)))
                    ? String(family.dropLast(suffix.count)) : family
            }
            if !typed.contains(family) { problems.append("sample before its TYPE: \(line)") }
            if samples[series] != nil { problems.append("repeated series: \(series)") }
            samples[series] = value
        }
        if !text.hasSuffix("\n") { problems.append("does not end with a newline") }
    }

    subscript(series: String) -> Double? { samples[series] }

    /// The sum of every series of the metric `name` (any labels).
    func sum(_ name: String) -> Double {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }.values.reduce(0, +)
    }
}
