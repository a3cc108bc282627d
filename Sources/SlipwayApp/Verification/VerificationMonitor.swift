import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayHTTP
import SlipwayKubernetes
import SlipwayStore
import Synchronization

/// Verifies deploys against metrics through their verification window (the stability window): every
/// `verify.intervalSeconds` after the rollout completed it runs each check of the environment (Prometheus instant
/// queries, HTTP probes), stores the values with the deploy (the live message shows them), and ends the deploy:
/// failed when a check breaks its limit `failureLimit` times in a row, succeeded and **verified** when the window
/// ends with every check within its limit, or inconclusive — waiting for an approver's click — when a check has no
/// data at the end.
///
/// The record of samples lives in the store, so after a restart the next sample follows the last stored one.
/// Environments without `verify` are left to the rollout monitor, which ends them by pod health alone.
public final class VerificationMonitor: Service {
    public var name: String { "verification-monitor" }
    let coordinator: DeployCoordinator
    let prometheus: PrometheusClient?
    let http: CurlHTTPClient
    /// Sets a failed canary back to the primary's tag.
    let gitops: GitOpsRepository?
    /// Asks Flux to apply that commit now, in the environment's cluster.
    let clusters: ClusterClients?
    let log: Log
    /// Seconds between looks at the store for samples that are due.
    public let tick: Double
    private let warnings = RepeatedWarnings()

    public init(
        coordinator: DeployCoordinator, prometheus: PrometheusClient?, http: CurlHTTPClient,
        gitops: GitOpsRepository? = nil, log: Log, tick: Double = 0.25, clusters: ClusterClients? = nil
    ) {
        self.gitops = gitops
        self.clusters = clusters
        self.coordinator = coordinator
        self.prometheus = prometheus
        self.http = http
        self.log = log.with(["component": "verification-monitor"])
        self.tick = max(0.01, tick)
    }

    /// Prometheus queries made so far.
    public var queryCount: Int { prometheus?.queryCount ?? 0 }

    /// Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let next = await sampleDue()
            try? await Task.sleep(nanoseconds: UInt64(min(max(next, 0.01), tick) * 1e9))
        }
    }

    /// The verification settings of a deploy's environment, if it has any.
    func verify(of deploy: Deploy) -> (EnvironmentEntry, VerifyPolicy)? {
        guard let env = coordinator.catalog[deploy.target],
            let verify = env.verify(for: deploy)
        else { return nil }
        return (env, verify)
    }

    /// Samples every deploy whose next sample is due. - Returns: seconds until the next one is due.
    @discardableResult
    public func sampleDue() async -> Double {
        let store = coordinator.store
        let verifying: [Deploy]
        do {
            verifying = try await store.executor.run { try store.read { r in try r.deploys(in: [.verifying]) } }
        } catch {
            log.error("cannot read the store: \(error)")
            return tick
        }
        var soonest = Double.infinity
        for deploy in verifying where !Task.isCancelled {
            guard let (env, verify) = verify(of: deploy), let rolledOutAt = deploy.rolledOutAt else { continue }
            let now = coordinator.clock()
            var record = deploy.verification ?? VerificationJudge(policy: verify).start(track: "primary")
            switch record.verdict {
            case .running: break
            case .inconclusive: continue  // an approver decides
            case .passed, .treatedAsPassed, .failed:
                await conclude(deploy, record: record)  // recorded, but the process stopped before the end
                continue
            }
            let window = coordinator.machine.policy.stabilityWindowSeconds
            let windowEnd = rolledOutAt.addingTimeInterval(window)
            record.plannedSamples = max(1, Int((window / verify.intervalSeconds).rounded(.up)))
            let due = min((record.lastSampleAt ?? rolledOutAt).addingTimeInterval(verify.intervalSeconds), windowEnd)
            guard now >= due else {
                soonest = min(soonest, due.timeIntervalSince(now))
                continue
            }
            await sample(deploy, env: env, verify: verify, record: record, windowEnded: now >= windowEnd)
            soonest = 0
        }
        return soonest
    }

    /// Runs every check once and records what it decides.
    private func sample(
        _ deploy: Deploy, env: EnvironmentEntry, verify: VerifyPolicy, record: VerificationRecord, windowEnded: Bool
    ) async {
        let values = Self.variables(
            deploy: deploy, workload: env.workload(for: deploy), verify: verify, track: record.track)
        let (samples, queries) = await run(verify.checks, variables: values)
        let judge = VerificationJudge(policy: verify)
        let (next, outcome) = judge.record(
            samples, into: record, windowEnded: windowEnded, queries: queries, now: coordinator.clock())
        var failure: FailureRecord?
        if case .failed(let judged) = outcome {
            failure = judged
            log.warning(judged.title, metadata: deploy.logMetadata)
        }
        await conclude(deploy, record: next, failure: failure)
    }

    /// Stores the record and, once it has a verdict, ends the deploy accordingly (one transaction).
    private func conclude(_ deploy: Deploy, record: VerificationRecord, failure: FailureRecord? = nil) async {
        let coordinator = self.coordinator
        do {
            try await coordinator.store.executor.run {
                try coordinator.store.write { w in
                    guard let current = try w.deploy(id: deploy.id), current.state == .verifying else { return }
                    let stored = try coordinator.apply(.verification(record), to: current, actor: "slipway", in: w)
                    switch record.verdict {
                    case .passed where stored.isCanaryPhase, .treatedAsPassed where stored.isCanaryPhase:
                        let summary = record.checks.map { "\($0.name) \($0.latestText)" }.joined(separator: ", ")
                        try coordinator.apply(.canaryPassed(summary: summary), to: stored, actor: "slipway", in: w)
                    case .passed, .treatedAsPassed:
                        try coordinator.apply(.stable, to: stored, actor: record.decidedBy ?? "slipway", in: w)
                    case .failed:
                        let cause = failure ?? Self.failure(of: record)
                        try coordinator.apply(.fail(cause), to: stored, actor: "slipway", in: w)
                    case .running, .inconclusive:
                        break
                    }
                }
            }
            coordinator.signal()
            if deploy.isCanaryPhase, record.verdict == .failed { await revertCanary(deploy) }
        } catch is TransitionError {
            return  // it ended some other way meanwhile
        } catch {
            log.error("cannot record verification: \(error)", metadata: deploy.logMetadata)
        }
    }

    /// Commits the canary back to the primary's tag after the canary failed; the primary is not touched.
    private func revertCanary(_ deploy: Deploy) async {
        guard let gitops, let service = coordinator.catalog.services[deploy.service],
            let env = service.environments[deploy.environment], let canary = env.canary
        else { return }
        let store = coordinator.store
        let record = try? await store.executor.run {
            try store.read { r in try r.environment(service: deploy.service, environment: deploy.environment) }
        }
        guard let primaryTag = (record ?? nil)?.currentTag ?? deploy.previousTag else {
            log.warning("no primary tag known; the canary keeps \(deploy.targetTag)", metadata: deploy.logMetadata)
            return
        }
        let change = ImageTagChange(
            file: canary.kustomization, image: service.image, newTag: primaryTag, service: deploy.service,
            environment: deploy.environment, deployId: deploy.id, requestedBy: "slipway (failed canary)",
            note: "canary failed verification; back to the primary's tag")
        do {
            let outcome = try await gitops.commitImageTag(change)
            log.info("canary set back to \(primaryTag): \(outcome)", metadata: deploy.logMetadata)
        } catch {
            log.error("could not set the canary back to \(primaryTag): \(error)", metadata: deploy.logMetadata)
            return
        }
        // Flux applies it at its interval anyway; asking now takes the failed canary out of traffic sooner.
        guard let client = clusters?.client(for: env) else { return }
        let flux = canary.flux ?? env.flux
        do {
            _ = try await FluxReconciler(client: client).requestReconcile(
                gitRepository: flux.gitRepository, kustomization: flux.kustomization, namespace: flux.namespace,
                at: coordinator.clock())
        } catch {
            log.warning(
                "reconcile request for the canary's revert failed: \(error) (Flux will still apply it)",
                metadata: deploy.logMetadata)
        }
    }

    /// The failure of a record already judged failed (after a restart between recording and failing).
    static func failure(of record: VerificationRecord) -> FailureRecord {
        if let user = record.decidedBy {
            return FailureRecord(
                cause: record.track == "canary" ? "canary_failed" : "verification_inconclusive",
                title: "Verification inconclusive; rolled back by decision of <@\(user)>",
                summary: "Values over the window:\n" + record.valuesText, runbook: "verification-failed.md")
        }
        let failing = record.checks.first { $0.failing }
        return FailureRecord(
            cause: record.track == "canary" ? "canary_failed" : "verification_failed",
            title:
                "Verification failed: \(failing?.name ?? "a check") \(failing?.latestText ?? "") (limit \(failing?.limit ?? "?"))",
            summary: "Values over the window:\n" + record.valuesText, runbook: "verification-failed.md")
    }

    /// The values of a query's `$variables` for one deploy.
    static func variables(deploy: Deploy, workload: EnvironmentEntry.Workload, verify: VerifyPolicy, track: String)
        -> [String: String]
    {
        [
            "service": deploy.service, "environment": deploy.environment, "namespace": workload.namespace,
            "workload": workload.deployment, "tag": deploy.targetTag,
            "interval": QueryTemplate.duration(verify.intervalSeconds), "track": track,
        ]
    }

    /// Runs the checks concurrently. - Returns: one sample per check and the number of Prometheus queries made.
    func run(_ checks: [VerificationCheck], variables: [String: String]) async -> ([CheckSample], Int) {
        let prometheus = self.prometheus
        let http = self.http
        let samples = await withTaskGroup(of: CheckSample.self) { group in
            for check in checks {
                group.addTask {
                    CheckSample(
                        name: check.name,
                        value: await Self.measure(check, variables: variables, prometheus: prometheus, http: http))
                }
            }
            var all: [CheckSample] = []
            for await sample in group { all.append(sample) }
            return all
        }
        let queries = checks.filter(\.isPrometheusQuery).count
        return (samples, prometheus == nil ? 0 : queries)
    }

    static func measure(
        _ check: VerificationCheck, variables: [String: String], prometheus: PrometheusClient?, http: CurlHTTPClient
    ) async -> CheckSample.Value {
        switch check.probe {
        case .prometheus(let query, let limit):
            guard let prometheus else { return .error("no prometheus section is configured") }
            do {
                let values = try await prometheus.query(QueryTemplate.expand(query, variables))
                // Several series: the one furthest from the limit's good side decides.
                let worst: Double? =
                    switch limit {
                    case .max: values.max()
                    case .min: values.min()
                    }
                return worst.map { .value($0) } ?? .noData
            } catch {
                return .error("\(error)")
            }
        case .http(let url, _):
            do {
                let response = try await http.perform(
                    HTTPClientRequest(method: .get, url: QueryTemplate.expand(url, variables), timeout: 5))
                return .value(Double(response.status))
            } catch {
                return .error("GET failed: \(error)")
            }
        }
    }
}

extension VerificationCheck {
    var isPrometheusQuery: Bool { if case .prometheus = probe { true } else { false } }
}
