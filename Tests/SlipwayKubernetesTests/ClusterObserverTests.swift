import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayTesting
import Testing

@Suite("ClusterObserver")
struct ClusterObserverTests {
    let start = Date(timeIntervalSince1970: 1_795_168_800)

    /// Push a commit to a real bare repository, ask Flux to reconcile, watch until stable.
    @Test func endToEndSucceeds() async throws {
        let scenario = try FluxScenario(rolloutSteps: 3)
        let sha = try scenario.push(tag: "main-5394cb7")
        try await FluxReconciler(client: scenario.client).requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system", at: start)
        let observer = ClusterObserver(client: scenario.client)
        let seen = await scenario.watch(
            scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start), observer: observer)

        #expect(seen.first == .rollingOut(updated: 1, ready: 3, desired: 3))
        #expect(seen.contains(.rolledOut))
        #expect(seen.last == .stable)
        let deployment = try #require(
            scenario.fake.object(K8s.Deployment.self, "deployments", namespace: "shop", name: "shop"))
        #expect(deployment.containers.first?.image == "ghcr.io/nortinia-ltd/shop:main-5394cb7")
        // Nothing looked failed, so no diagnosis evidence was fetched.
        #expect(
            scenario.fake.requests().allSatisfy {
                !$0.path.hasSuffix("/events") && !$0.path.hasSuffix("/sealedsecrets")
            })
    }

    @Test func waitsForFluxUntilTheReconcileIsRequested() async throws {
        let scenario = try FluxScenario()
        let sha = try scenario.push(tag: "main-5394cb7")
        let observer = ClusterObserver(client: scenario.client)
        let target = scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start)
        let before = observer.apiCallCount
        #expect(await observer.observe([target], now: start + 5) == ["d-1": .waitingForFlux])
        // The Kustomization and a Deployment LIST only: no pods while Flux has not applied the commit.
        #expect(observer.apiCallCount - before == 2)
        #expect(
            await observer.observe([target], now: start + 900) == [
                "d-1": .failed(.timeout(stage: .reconcile, seconds: 900))
            ])
    }

    struct FailureCase: Sendable, CustomTestStringConvertible {
        var failure: FakeKubernetes.Failure
        var expected: @Sendable (FailureCause) -> Bool
        var testDescription: String
    }

    static let failureCases: [FailureCase] = [
        FailureCase(
            failure: .oomKilled,
            expected: {
                if case .memoryLimit("shop", "512Mi", let pod, 4) = $0 { return pod.hasPrefix("shop-") }
                return false
            }, testDescription: "OOMKilled"),
        FailureCase(
            failure: .unschedulable,
            expected: {
                if case .memoryRequestTooLarge("shop", "64Gi", let message) = $0 {
                    return message.contains("Insufficient memory")
                }
                return false
            }, testDescription: "Unschedulable"),
        FailureCase(
            failure: .missingSecret(
                name: "shop-db-credentials", sealedSecret: .notSynced(message: "no key could decrypt secret (password)")
            ),
            expected: {
                $0
                    == .missingSecret(
                        name: "shop-db-credentials",
                        sealedSecret: .notSynced(message: "no key could decrypt secret (password)"))
            },
            testDescription: "missing secret, SealedSecret not synced"),
        FailureCase(
            failure: .missingSecretVolume(name: "db-creds"),
            expected: { $0 == .missingSecret(name: "db-creds", sealedSecret: .absent) },
            testDescription: "missing secret volume (FailedMount event)"),
        FailureCase(
            failure: .configMapKeyTypo(
                key: "DATABSE_URL", configMap: "shop-config", keys: ["DATABASE_URL", "LOG_LEVEL", "FEATURE_FLAGS"]),
            expected: {
                $0 == .configMapKeyTypo(key: "DATABSE_URL", configMap: "shop-config", closestKeys: ["DATABASE_URL"])
            },
            testDescription: "ConfigMap key typo"),
        FailureCase(
            failure: .missingConfigMap(name: "app-config"), expected: { $0 == .missingConfigMap(name: "app-config") },
            testDescription: "missing ConfigMap"),
        FailureCase(
            failure: .imagePull,
            expected: {
                if case .imagePull("ghcr.io/nortinia-ltd/shop:main-5394cb7", _) = $0 { return true }
                return false
            }, testDescription: "image pull"),
        FailureCase(
            failure: .crashLoop(exitCode: 1, message: "panic: config"),
            expected: {
                $0 == .crashLoop(container: "shop", exitCode: 1, message: "panic: config")
            }, testDescription: "crash loop"),
        FailureCase(
            failure: .progressDeadlineExceeded, expected: { $0 == .timeout(stage: .rollout, seconds: 600) },
            testDescription: "progress deadline"),
        FailureCase(
            failure: .buildFailed(message: "kustomize build failed: missing metadata.name"),
            expected: {
                $0 == .invalidManifest(message: "kustomize build failed: missing metadata.name")
            }, testDescription: "build failed"),
    ]

    @Test(arguments: failureCases)
    func endToEndFailure(_ scenarioCase: FailureCase) async throws {
        let scenario = try FluxScenario(rolloutSteps: 3)
        scenario.fake.script(namespace: "shop", deployment: "shop", outcome: .fail(scenarioCase.failure))
        let sha = try scenario.push(tag: "main-5394cb7")
        try await FluxReconciler(client: scenario.client).requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system", at: start)
        let seen = await scenario.watch(
            scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start),
            observer: ClusterObserver(client: scenario.client))
        guard case .failed(let cause)? = seen.last else {
            Issue.record("expected a failure, saw \(seen)")
            return
        }
        #expect(scenarioCase.expected(cause), "got \(cause)")
    }

    @Test func crashDuringTheStabilityWindowFails() async throws {
        let scenario = try FluxScenario(rolloutSteps: 1)
        let sha = try scenario.push(tag: "main-5394cb7")
        try await FluxReconciler(client: scenario.client).requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system", at: start)
        let observer = ClusterObserver(client: scenario.client)
        var target = scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start)
        #expect(await observer.observe([target], now: start + 30) == ["d-1": .rolledOut])
        target.deploy.rolledOutAt = start + 30
        #expect(await observer.observe([target], now: start + 90) == ["d-1": .rolledOut])

        scenario.fake.failPods(
            namespace: "shop", deployment: "shop", with: .crashLoop(exitCode: 2, message: nil), at: start + 100)
        let observation = await observer.observe([target], now: start + 120)["d-1"]
        guard case .failed(.crashLoop("shop", 2, _))? = observation else {
            Issue.record("got \(String(describing: observation))")
            return
        }
    }

    @Test func heldRolloutCompletesOnDemand() async throws {
        let scenario = try FluxScenario(rolloutSteps: 1)
        scenario.fake.script(namespace: "shop", deployment: "shop", outcome: .hold)
        let sha = try scenario.push(tag: "main-5394cb7")
        try await FluxReconciler(client: scenario.client).requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system", at: start)
        let observer = ClusterObserver(client: scenario.client)
        let target = scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start)
        for second in [10.0, 20, 30] {
            #expect(await observer.observe([target], now: start + second)["d-1"]?.deployState == .rollingOut)
        }
        scenario.fake.completeRollout(namespace: "shop", deployment: "shop")
        #expect(await observer.observe([target], now: start + 40) == ["d-1": .rolledOut])
    }

    /// The benchmark property: a poll costs the same whatever the number of configured services with nothing in
    /// flight, and deploys in flight in the same namespaces share LISTs.
    @Test func apiCallsDoNotGrowWithIdleServices() async throws {
        let scenario = try FluxScenario()
        let sha = try scenario.push(tag: "main-5394cb7")
        try await FluxReconciler(client: scenario.client).requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system", at: start)
        let observer = ClusterObserver(client: scenario.client)
        let target = scenario.target(commit: sha, tag: "main-5394cb7", startedAt: start)

        func callsForOnePoll() async -> Int {
            let before = observer.apiCallCount
            _ = await observer.observe([target], now: start + 10)
            return observer.apiCallCount - before
        }
        let alone = await callsForOnePoll()
        #expect(alone == 3)  // The Kustomization, Deployments, Pods.

        for index in 0..<40 {
            scenario.fake.addDeployment(
                namespace: "idle-\(index % 8)", name: "svc-\(index)", image: "ghcr.io/x/svc-\(index):1", replicas: 1)
            scenario.fake.linkFlux(
                kustomization: "svc-\(index)", gitRepository: "gitops", gitDirectory: scenario.git.remote,
                path: "clusters/prod/svc-\(index)/kustomization.yaml", workloadNamespace: "idle-\(index % 8)",
                deployment: "svc-\(index)", image: "ghcr.io/x/svc-\(index)")
        }
        #expect(await callsForOnePoll() == alone)
    }

    @Test func deploysInFlightInOneNamespaceShareLists() async throws {
        let scenario = try FluxScenario()
        let head = try scenario.git.remoteHead()
        var targets: [WatchTarget] = []
        for index in 0..<6 {
            let name = "svc-\(index)"
            scenario.fake.addDeployment(namespace: "apps", name: name, image: "ghcr.io/x/\(name):1", replicas: 2)
            scenario.fake.linkFlux(
                kustomization: name, gitRepository: "gitops", gitDirectory: scenario.git.remote,
                path: "clusters/prod/\(name)/kustomization.yaml", workloadNamespace: "apps", deployment: name,
                image: "ghcr.io/x/\(name)")
            targets.append(
                WatchTarget(
                    deployId: "d-\(index)", fluxNamespace: "flux-system", kustomization: name, gitRepository: "gitops",
                    namespace: "apps", deployment: name, commit: head, branch: "main",
                    expectedImage: "ghcr.io/x/\(name):1",
                    startedAt: start))
        }
        let observer = ClusterObserver(client: scenario.client)
        scenario.fake.resetRequests()
        let observations = await observer.observe(targets, now: start + 10)
        #expect(observations.count == 6)
        #expect(observations.values.allSatisfy { $0 == .rolledOut })
        let requests = scenario.fake.requests()
        // Kustomizations one GET each (Slipway's Role names them), one Deployment LIST and one pod LIST.
        #expect(requests.count == 6 + 2)
        #expect(requests.filter { $0.path.contains("/kustomizations/") }.count == 6)
        let pods = try #require(requests.first { $0.path == "/api/v1/namespaces/apps/pods" })
        #expect(pods.query["labelSelector"] == "app in (svc-0,svc-1,svc-2,svc-3,svc-4,svc-5)")
    }

    @Test func unreachableAPIServerLeavesDeploysUnobserved() async throws {
        let fake = try FakeKubernetes()
        let url = fake.baseURL
        fake.stop()
        let client = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: url, token: .fixed("t"), requestTimeout: 2))
        let observer = ClusterObserver(client: client, retry: .never)
        let target = WatchTarget(
            deployId: "d-1", fluxNamespace: "flux-system", kustomization: "shop-prod", gitRepository: "gitops",
            namespace: "shop", deployment: "shop", commit: String(repeating: "a", count: 40), branch: "main",
            expectedImage: "x:1", startedAt: start)
        let poll = await observer.poll([target], now: start + 10)
        #expect(poll.observations.isEmpty)
        #expect(poll.errors["d-1"]?.isConnectionRefused == true)
    }
}
