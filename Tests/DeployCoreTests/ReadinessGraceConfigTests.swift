import DeployCore
import Foundation
import SlipwayTesting
import Testing

@Suite struct ReadinessGraceConfigTests {
    static func config(policy: [String: Any]?) throws -> Data {
        var json = SlipwayHarness.configJSON(
            remote: "/tmp/r.git", checkout: "/tmp/c", slackURL: "http://127.0.0.1:9",
            pagerDutyURL: "http://127.0.0.1:9", store: ["sqlite": ["path": "/tmp/s.sqlite"]])
        json["policy"] = policy
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func theGracePeriodIsConfiguredUnderPolicyAndReachesTheRolloutJudgement() throws {
        let config = try ConfigLoader.parse(Self.config(policy: ["readinessGraceSeconds": 180]))
        #expect(config.policy.readinessGraceSeconds == 180)
        #expect(RolloutPolicy(config.policy).readinessGraceSeconds == 180)
        let defaults = try ConfigLoader.parse(Self.config(policy: nil))
        #expect(RolloutPolicy(defaults.policy).readinessGraceSeconds == 60)
        let strict = try ConfigLoader.parse(Self.config(policy: ["readinessGraceSeconds": 0]))
        #expect(RolloutPolicy(strict.policy).readinessGraceSeconds == 0)
    }

    @Test(arguments: [
        ("-1", "must be between 0 and 3600, got -1"), ("3601", "must be between 0 and 3600, got 3601"),
        (#""60""#, "must be a number"),
    ])
    func outOfRangeIsRefusedWithThePath(json: String, problem: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.parse(Self.config(policy: ["readinessGraceSeconds": value]))
        }
        #expect(error?.path == "policy.readinessGraceSeconds")
        #expect(error?.problem == problem)
    }
}
