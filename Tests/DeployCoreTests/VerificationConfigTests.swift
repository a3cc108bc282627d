import DeployCore
import Foundation
import Testing

@Suite("verify, prometheus, autoRollback and canary in the configuration")
struct VerificationConfigTests {
    static let errorQuery =
        #"sum(rate(errors_total{namespace=\"$namespace\",track=\"$track\"}[$interval])) / sum(rate(requests_total{namespace=\"$namespace\"}[$interval]))"#

    /// The shared sample with `verify` (and `extra` fields) on staging and a top-level `prometheus`.
    static func config(verify: String, extra: String = "", prometheus: Bool = true) -> String {
        var text = ConfigLoaderTests.sample.replacingOccurrences(
            of: #""autoDeploy": true"#, with: #""autoDeploy": true, "verify": \#(verify)\#(extra)"#)
        if prometheus {
            text = text.replacingOccurrences(
                of: #""services": {"#,
                with: #""prometheus": {"url": "http://prometheus:9090/", "tokenEnv": "PROM_TOKEN"}, "services": {"#)
        }
        return text
    }

    static let good = #"""
        {"intervalSeconds": 10, "failureLimit": 2, "checks": [
          {"name": "error ratio", "prometheus": {"query": "\#(errorQuery)", "max": 0.01}},
          {"name": "throughput", "prometheus": {"query": "sum(rate(requests_total[$interval]))", "min": 5}, "unit": "number"},
          {"name": "smoke", "http": {"url": "https://shop.example/health", "expectStatus": 204}}]}
        """#

    func parse(_ text: String) throws -> SlipwayConfig { try ConfigLoader.parse(Data(text.utf8)) }

    @Test("a verify section is read with its checks, limits and units; prometheus with its token variable")
    func accepted() throws {
        let config = try parse(Self.config(verify: Self.good, extra: #", "autoRollback": true"#))
        #expect(config.prometheus == PrometheusSettings(url: "http://prometheus:9090", tokenEnv: "PROM_TOKEN"))
        #expect(config.secretEnvironmentVariables.contains { $0.name == "PROM_TOKEN" })
        let staging = try #require(config.catalog.services["shop"]?.environments["staging"])
        #expect(staging.autoRollback)
        #expect(config.catalog.services["shop"]?.environments["prod"]?.autoRollback == false)
        let verify = try #require(staging.verify)
        #expect(verify.intervalSeconds == 10 && verify.failureLimit == 2)
        #expect(verify.checks.map(\.name) == ["error ratio", "throughput", "smoke"])
        #expect(verify.checks[0].unit == .ratio)
        #expect(verify.checks[0].limitText == "≤ 1%")
        #expect(verify.checks[1].limitText == "≥ 5")
        #expect(verify.checks[2].probe == .http(url: "https://shop.example/health", expectStatus: 204))
    }

    @Test(
        "check-config names the bad variable or field with its path",
        arguments: [
            (
                #"{"checks": [{"name": "e", "prometheus": {"query": "rate(x{ns=\"$namespce\"}[1m])", "max": 1}}]}"#,
                "services.shop.environments.staging.verify.checks[0].prometheus.query: unknown variable $namespce (did you mean $namespace?)"
            ),
            (
                #"{"checks": [{"name": "e", "prometheus": {"query": "up", "maximum": 1}}]}"#,
                "services.shop.environments.staging.verify.checks[0].prometheus.maximum: unknown field"
            ),
            (
                #"{"checks": [{"name": "e", "prometheus": {"query": "up"}}]}"#,
                #"services.shop.environments.staging.verify.checks[0].prometheus: give "max" or "min""#
            ),
            (
                #"{"interval": 5, "checks": []}"#,
                "services.shop.environments.staging.verify.interval: unknown field"
            ),
            (
                #"{"checks": []}"#,
                "services.shop.environments.staging.verify.checks: list at least one check"
            ),
            (
                #"{"checks": [{"name": "a", "http": {"url": "ftp://x"}}]}"#,
                "services.shop.environments.staging.verify.checks[0].http.url: must be an http(s) URL"
            ),
            (
                #"{"checks": [{"name": "a", "http": {"url": "http://x/h"}}, {"name": "a", "http": {"url": "http://x/h"}}]}"#,
                #"services.shop.environments.staging.verify.checks[1].name: another check is named "a""#
            ),
        ])
    func errors(_ verify: String, _ expected: String) throws {
        let error = #expect(throws: ConfigError.self) { try parse(Self.config(verify: verify)) }
        #expect(error?.description.hasPrefix(expected) == true, "\(error?.description ?? "")")
    }

    @Test("a Prometheus check without the top-level prometheus section is named")
    func prometheusRequired() throws {
        let error = #expect(throws: ConfigError.self) { try parse(Self.config(verify: Self.good, prometheus: false)) }
        #expect(error?.path == "services.shop.environments.staging.verify.checks[0].prometheus")
        #expect(error?.problem.contains("top-level \"prometheus\"") == true)
    }

    @Test("a canary must be another Deployment in the primary's namespace, with its own checks")
    func canary() throws {
        let canary =
            #", "canary": {"kustomization": "clusters/staging/shop-canary/kustomization.yaml", "workload": {"deployment": "shop-canary"}, "verify": \#(Self.good)}"#
        let config = try parse(Self.config(verify: Self.good, extra: canary))
        let entry = try #require(config.catalog.services["shop"]?.environments["staging"]?.canary)
        #expect(entry.workload.deployment == "shop-canary")
        #expect(
            entry.workload.namespace == config.catalog.services["shop"]?.environments["staging"]?.workload.namespace)
        let same = canary.replacingOccurrences(of: #""deployment": "shop-canary""#, with: #""deployment": "shop""#)
        let error = #expect(throws: ConfigError.self) { try parse(Self.config(verify: Self.good, extra: same)) }
        #expect(error?.path == "services.shop.environments.staging.canary.workload.deployment")
    }
}

@Suite("Verification judge: limits, failure streaks, no data")
struct VerificationJudgeTests {
    let policy = VerifyPolicy(
        intervalSeconds: 30, failureLimit: 2,
        checks: [
            VerificationCheck(name: "error ratio", probe: .prometheus(query: "q1", limit: .max(0.01))),
            VerificationCheck(name: "smoke", probe: .http(url: "http://x/health", expectStatus: 200)),
        ])
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func sample(_ ratio: CheckSample.Value, _ status: CheckSample.Value = .value(200)) -> [CheckSample] {
        [CheckSample(name: "error ratio", value: ratio), CheckSample(name: "smoke", value: status)]
    }

    @Test("failureLimit failing samples in a row fail, with the values and the runbook; a good sample resets")
    func failureStreak() throws {
        let judge = VerificationJudge(policy: policy)
        var record = judge.start(track: "primary")
        var outcome: VerificationJudge.Outcome
        (record, outcome) = judge.record(sample(.value(0.02)), into: record, windowEnded: false, queries: 1, now: now)
        #expect(outcome == .continuing)
        (record, outcome) = judge.record(sample(.value(0.002)), into: record, windowEnded: false, queries: 1, now: now)
        #expect(outcome == .continuing && record.checks[0].consecutiveFailures == 0)
        (record, outcome) = judge.record(sample(.value(0.03)), into: record, windowEnded: false, queries: 1, now: now)
        (record, outcome) = judge.record(sample(.value(0.042)), into: record, windowEnded: false, queries: 1, now: now)
        guard case .failed(let failure) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(failure.title == "Verification failed: error ratio 4.2% > 1% (query q1)")
        #expect(failure.runbook == "verification-failed.md")
        #expect(failure.summary.contains("error ratio (≤ 1%): 2%, 0.2%, 3%, 4.2%"))
        #expect(record.verdict == .failed && record.queries == 4 && record.samples == 4)
    }

    @Test("the window ends passed when every check kept its limit, inconclusive when one has no data")
    func windowEnd() {
        let judge = VerificationJudge(policy: policy)
        let (passed, outcome) = judge.record(
            sample(.value(0.001)), into: judge.start(track: "primary"), windowEnded: true, queries: 1, now: now)
        #expect(outcome == .passed && passed.passed)
        let (noData, inconclusive) = judge.record(
            sample(.noData), into: judge.start(track: "primary"), windowEnded: true, queries: 1, now: now)
        #expect(inconclusive == .inconclusive && noData.checks[0].latestText == "no data")
        // A query error is not a failure either, but a refused health probe is.
        let (_, error) = judge.record(
            sample(.error("timeout")), into: judge.start(track: "primary"), windowEnded: false, queries: 1, now: now)
        #expect(error == .continuing)
        let one = VerificationJudge(policy: VerifyPolicy(failureLimit: 1, checks: policy.checks))
        let (_, refused) = one.record(
            sample(.value(0), .error("connection refused")), into: one.start(track: "primary"), windowEnded: false,
            queries: 1, now: now)
        guard case .failed(let failure) = refused else {
            Issue.record("a refused health probe should fail")
            return
        }
        #expect(failure.title.hasPrefix("Verification failed: smoke connection refused, expected HTTP 200"))
    }

    @Test("query variables: unknown ones are found, known ones filled in")
    func variables() {
        #expect(QueryTemplate.unknownVariable(in: #"x{a="$service",b="$tagg"}"#) == "tagg")
        #expect(QueryTemplate.unknownVariable(in: #"x{a="$service"}[$interval]"#) == nil)
        #expect(
            QueryTemplate.expand(#"x{t="$track"}[$interval]"#, ["track": "canary", "interval": "30s"])
                == #"x{t="canary"}[30s]"#)
        #expect(QueryTemplate.duration(30) == "30s" && QueryTemplate.duration(120) == "2m")
    }

    @Test("a stored record reads back; a deploy is verified only when it succeeded with a passed verification")
    func storedRecord() throws {
        let judge = VerificationJudge(policy: policy)
        let (record, _) = judge.record(
            sample(.value(0.001)), into: judge.start(track: "primary"), windowEnded: true, queries: 1, now: now)
        #expect(VerificationRecord.decode(record.encoded()) == record)
        var deploy = Deploy(
            id: "d-1", service: "shop", environment: "prod", kind: .deploy, source: .ci, targetTag: "t",
            requestedBy: "ci", state: .verifying, createdAt: now)
        deploy.verification = record
        #expect(!deploy.isVerified)
        deploy.state = .succeeded
        #expect(deploy.isVerified)
        deploy.verification?.verdict = .inconclusive
        #expect(!deploy.isVerified)
    }
}
