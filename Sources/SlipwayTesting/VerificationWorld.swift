import DeployCore
import Foundation

/// A Slipway harness whose `shop` environment verifies deploys against a real Prometheus scraping a
/// `MetricsEndpoint`: what the verification tests and `slipway-bench verify` share.
///
/// ```swift
/// let world = try await VerificationWorld()
/// world.metrics.set(track: "primary", errorRatio: 0.05)
/// ```
public final class VerificationWorld: Sendable {
    public let metrics: MetricsEndpoint
    public let prometheus: PrometheusServer
    public let harness: SlipwayHarness
    public let environment: String

    /// The error ratio of a track over the last 3 s (three scrapes).
    public static let errorRatioQuery =
        #"sum(rate(http_request_errors_total{track="$track"}[3s])) / sum(rate(http_requests_total{track="$track"}[3s]))"#
    /// The 99th percentile latency of a track.
    public static let p99Query =
        #"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{track="$track"}[3s])))"#

    /// The default checks: error ratio at most 1%, p99 at most 0.5 s.
    public static var defaultChecks: [[String: Any]] {
        [
            ["name": "error ratio", "prometheus": ["query": errorRatioQuery, "max": 0.01]],
            ["name": "p99", "prometheus": ["query": p99Query, "max": 0.5]],
        ]
    }

    /// Starts the endpoint (both tracks healthy), Prometheus, and the harness; waits until Prometheus has the
    /// primary's error ratio. Within a `TestScope`, all of it is stopped when the scope ends.
    /// - Parameters:
    ///   - environment: The environment of `shop` that verifies (`staging` deploys without approval).
    ///   - checks: `verify.checks`.
    ///   - autoRollback: The environment's `autoRollback`.
    ///   - canary: The environment's `canary` section, if any.
    ///   - stabilityWindowSeconds: `policy.stabilityWindowSeconds` (the verification window).
    ///   - intervalSeconds: `verify.intervalSeconds`.
    ///   - approvers: The environment's `approvers`, when not the harness's.
    public init(
        environment: String = "staging", checks: [[String: Any]] = VerificationWorld.defaultChecks,
        autoRollback: Bool = false, canary: [String: Any]? = nil, stabilityWindowSeconds: Double = 3,
        intervalSeconds: Double = 1, databaseURL: String? = nil, approvers: [String]? = nil
    ) async throws {
        self.environment = environment
        metrics = try MetricsEndpoint()
        for track in ["primary", "canary"] { metrics.set(track: track, errorRatio: 0.001, latencySeconds: 0.05) }
        prometheus = try PrometheusServer(targets: [metrics.target])
        let url = prometheus.baseURL
        harness = try SlipwayHarness(
            databaseURL: databaseURL,
            adjust: { json in
                json["prometheus"] = ["url": url]
                var policy = json["policy"] as! [String: Any]
                policy["stabilityWindowSeconds"] = stabilityWindowSeconds
                json["policy"] = policy
                SlipwayHarness.editEnvironment(&json, environment) { env in
                    env["verify"] = ["intervalSeconds": intervalSeconds, "failureLimit": 1, "checks": checks]
                    if autoRollback { env["autoRollback"] = true }
                    if let canary { env["canary"] = canary }
                    if let approvers { env["approvers"] = approvers }
                }
            })
        let ready = QueryTemplate.expand(Self.errorRatioQuery, ["track": "primary"])
        guard await prometheus.waitFor(ready, timeout: 30) else {
            throw PrometheusServer.StartError(description: "Prometheus has no error ratio after 30 s")
        }
    }

    /// Waits until the error ratio Prometheus reports for `track` satisfies `condition`.
    @discardableResult
    public func waitForErrorRatio(track: String = "primary", timeout: Double = 20, _ condition: (Double) -> Bool)
        async -> Bool
    {
        await prometheus.waitFor(
            QueryTemplate.expand(Self.errorRatioQuery, ["track": track]), timeout: timeout, condition)
    }
}

extension VerificationWorld {
    /// The canary's kustomization in the GitOps repository.
    public static let canaryKustomization = "clusters/staging/shop-canary/kustomization.yaml"

    /// A `canary` section for staging: Deployment `shop-canary`, applied by its own Flux Kustomization, judged by the
    /// error ratio of `$track` (= `canary`).
    public static var canaryConfig: [String: Any] {
        [
            "kustomization": canaryKustomization, "workload": ["deployment": "shop-canary"],
            "flux": ["kustomization": "shop-staging-canary", "gitRepository": "gitops"],
            "verify": [
                "intervalSeconds": 1,
                "checks": [["name": "canary error ratio", "prometheus": ["query": errorRatioQuery, "max": 0.01]]],
            ],
        ]
    }

    /// Adds the canary to the GitOps repository (a copy of staging's kustomization) and to the fake cluster (its
    /// Deployment in staging's namespace and the Flux Kustomization applying it). Call before `startServices`.
    public func prepareCanary() throws {
        let h = harness
        let primary = try h.git.remoteFile(GitFixture.kustomization("shop", "staging"))
        _ = try h.git.pushFromOtherClone(
            file: Self.canaryKustomization, text: primary, message: "add the shop canary")
        let namespace = SlipwayHarness.workloadNamespace("shop", "staging")
        h.kubernetes.addDeployment(
            namespace: namespace, name: "shop-canary",
            image: "\(GitFixture.image("shop")):\(GitFixture.initialTag)", replicas: 1)
        h.kubernetes.linkFlux(
            kustomization: "shop-staging-canary", gitRepository: "gitops", gitDirectory: h.git.remote,
            path: Self.canaryKustomization, workloadNamespace: namespace, deployment: "shop-canary",
            image: GitFixture.image("shop"))
    }

    /// The tag in a kustomization file on the remote.
    public func remoteTag(file: String) throws -> String? {
        let text = try harness.git.remoteFile(file)
        for line in text.split(separator: "\n") where line.contains("newTag:") {
            let value = line.split(separator: ":", maxSplits: 1)[1].split(separator: "#")[0]
            return value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }

    /// Commits on the remote that changed `file`, newest first.
    public func commits(touching file: String) throws -> [String] {
        try harness.git.remoteGit(["log", "--format=%H", "main", "--", file]).split(separator: "\n").map(String.init)
    }
}
