import DeployCore
import Foundation
import SlipwayApp
import SlipwayCrypto
import SlipwayHTTP
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// How a deploy fails in the fake cluster, and what Slipway must say about it.
struct WatchScenario: Sendable, CustomTestStringConvertible {
    var testDescription: String
    var environment = "staging"
    var outcome: FakeKubernetes.Outcome
    var cause: String
    var title: String
    var runbook: String
    /// Text the stored summary (and so the Slack message) must contain.
    var summary: [String]
    var rolloutTimeoutSeconds: Double = 30

    static let all: [WatchScenario] = [
        WatchScenario(
            testDescription: "OOMKilled names the container and its limit", environment: "prod",
            outcome: .fail(.oomKilled), cause: "memory_limit", title: "Container ran out of memory",
            runbook: "memory-limits.md", summary: [#"Container "shop" in pod shop-"#, "256Mi memory limit"]),
        WatchScenario(
            testDescription: "Unschedulable Insufficient memory names the request", environment: "prod",
            outcome: .fail(.unschedulable), cause: "memory_request_too_large",
            title: "Memory request too large for any node", runbook: "memory-limits.md",
            summary: [#"container "shop" requests 64Gi of memory"#, "3 Insufficient memory"]),
        WatchScenario(
            testDescription: "missing secret whose SealedSecret is not synced, with its message",
            outcome: .fail(
                .missingSecret(
                    name: "shop-db-credentials",
                    sealedSecret: .notSynced(message: "no key could decrypt secret (password)"))),
            cause: "missing_secret", title: "SealedSecret could not be unsealed", runbook: "missing-sealed-secret.md",
            summary: [#"Secret "shop-db-credentials" does not exist"#, "no key could decrypt secret (password)"]),
        WatchScenario(
            testDescription: "missing secret with no SealedSecret at all",
            outcome: .fail(.missingSecret(name: "shop-db-credentials", sealedSecret: .absent)),
            cause: "missing_secret", title: "Secret not found", runbook: "missing-sealed-secret.md",
            summary: [#"there is no SealedSecret named "shop-db-credentials""#]),
        // Pods wait in ContainerCreating; the FailedMount event names the Secret once the rollout is overdue.
        WatchScenario(
            testDescription: "missing Secret volume (FailedMount)",
            outcome: .fail(.missingSecretVolume(name: "db-creds")), cause: "missing_secret",
            title: "Secret not found", runbook: "missing-sealed-secret.md",
            summary: [#"Secret "db-creds" does not exist"#], rolloutTimeoutSeconds: 2),
        WatchScenario(
            testDescription: "ConfigMap key typo suggests the closest key",
            outcome: .fail(
                .configMapKeyTypo(
                    key: "DATABSE_URL", configMap: "shop-config", keys: ["DATABASE_URL", "LOG_LEVEL", "REDIS_URL"])),
            cause: "configmap_key_typo", title: "ConfigMap key not found", runbook: "configmap-typo.md",
            summary: [#"key DATABSE_URL from ConfigMap "shop-config""#, "Did you mean DATABASE_URL?"]),
        WatchScenario(
            testDescription: "missing ConfigMap", outcome: .fail(.missingConfigMap(name: "shop-config")),
            cause: "missing_configmap", title: "ConfigMap not found", runbook: "configmap-typo.md",
            summary: [#"ConfigMap "shop-config" does not exist"#]),
        WatchScenario(
            testDescription: "image pull", outcome: .fail(.imagePull), cause: "image_pull",
            title: "Image could not be pulled", runbook: "image-pull.md",
            summary: ["cannot pull image ghcr.io/nortinia-ltd/shop:main-"]),
        WatchScenario(
            testDescription: "crash loop with exit code and termination message",
            outcome: .fail(.crashLoop(exitCode: 3, message: "panic: DATABASE_URL is not a valid URL")),
            cause: "crash_loop", title: "Container keeps crashing", runbook: "crash-loop.md",
            summary: ["exit code 3", "panic: DATABASE_URL is not a valid URL"]),
        WatchScenario(
            testDescription: "invalid manifest (Flux BuildFailed)",
            outcome: .fail(
                .buildFailed(
                    message:
                        "kustomize build failed: accumulating resources: accumulation err='accumulating resources from 'deployment.yaml': missing metadata.name in object {{apps/v1 Deployment} {{ } map[] map[]}}'"
                )), cause: "invalid_manifest", title: "Manifests are invalid", runbook: "invalid-manifest.md",
            summary: ["Flux could not apply the pushed commit: kustomize build failed", "missing metadata.name"]),
        WatchScenario(
            testDescription: "ProgressDeadlineExceeded", outcome: .fail(.progressDeadlineExceeded), cause: "timeout",
            title: "Deploy timed out", runbook: "rollout-timeout.md",
            summary: ["The rollout did not complete within 10 minutes."]),
        WatchScenario(
            testDescription: "policy.rolloutTimeoutSeconds", outcome: .hold, cause: "timeout",
            title: "Deploy timed out", runbook: "rollout-timeout.md",
            summary: ["The rollout did not complete within 2 seconds."], rolloutTimeoutSeconds: 2),
    ]
}

@Suite("Cluster watch: from /deploy to the final state and its diagnosis", .serialized, .harnessScope)
struct ClusterWatchTests {
    static let runbooks = "https://runbooks.example/slipway"

    /// The workload namespace the harness uses for shop in an environment.
    static func namespace(_ environment: String) -> String { environment == "prod" ? "shop" : "shop-\(environment)" }

    /// Sends `/deploy shop <env> <tag>` (and approves it in prod) and returns the deploy.
    static func deploy(_ h: SlipwayHarness, environment: String, tag: String) async throws -> Deploy {
        // Production promotes only tags that succeeded in staging.
        if environment == "prod" { try h.recordSucceeded("shop", "staging", tag: tag) }
        let reply = try await h.reply("/deploy shop \(environment) \(tag)")
        #expect(reply.type != nil, "the command was answered: \(reply.text)")
        var deploy = try #require(try h.latestDeploy("shop", environment))
        if environment == "prod" {
            let token = try #require(deploy.approval?.token)
            let click = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
            #expect(click.status == 200)
            deploy = try #require(try h.deploy(deploy.id))
        }
        #expect(deploy.targetTag == tag)
        return deploy
    }

    /// All text of the deploy's live Slack message (as Slack would show it), or "" before it is posted.
    static func messageText(_ h: SlipwayHarness, _ id: String) -> String {
        guard let ref = (try? h.deploy(id))??.message, let message = h.slack.message(channel: ref.channel, ts: ref.ts)
        else { return "" }
        var texts: [String] = []
        func collect(_ value: Any) {
            if let text = value as? String { texts.append(text) }
            if let array = value as? [Any] { array.forEach(collect) }
            if let object = value as? [String: Any] { object.keys.sorted().forEach { collect(object[$0]!) } }
        }
        collect(message["blocks"] ?? [])
        return texts.joined(separator: "\n")
    }

    /// The `state:` actions of the deploy's audit trail, in order.
    static func stateChanges(_ h: SlipwayHarness, _ id: String) throws -> [String] {
        try h.app.store.read { r in try r.auditEvents(deployId: id) }.map(\.action).filter { $0.hasPrefix("state:") }
    }

    @Test("a failing rollout ends failed with the cause, its details and the runbook", arguments: WatchScenario.all)
    func failure(_ scenario: WatchScenario) async throws {
        let h = try SlipwayHarness(adjust: { json in
            json["policy"] = [
                "stabilityWindowSeconds": 1, "approvalTimeoutSeconds": 1800, "pollIntervalSeconds": 0.2,
                "rolloutTimeoutSeconds": scenario.rolloutTimeoutSeconds,
            ]
        })
        h.startServices()
        h.kubernetes.script(
            namespace: Self.namespace(scenario.environment), deployment: "shop", outcome: scenario.outcome)
        let deploy = try await Self.deploy(h, environment: scenario.environment, tag: "main-bad0c0d")

        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let failed = try #require(try h.deploy(deploy.id))
        #expect(failed.state == .failed)
        let failure = try #require(failed.failure)
        #expect(failure.cause == scenario.cause)
        #expect(failure.title == scenario.title)
        #expect(failure.runbook == scenario.runbook)
        for part in scenario.summary {
            #expect(failure.summary.contains(part), "summary: \(failure.summary)")
        }
        #expect(try Self.stateChanges(h, deploy.id).filter { $0 == "state:failed" }.count == 1)

        // The one Slack message turns red with the title, the details and the runbook link.
        let link = "\(Self.runbooks)/\(scenario.runbook)"
        #expect(
            await h.waitUntil {
                let text = Self.messageText(h, deploy.id)
                return text.contains("❌") && text.contains(scenario.title) && text.contains(link)
            }, "message: \(Self.messageText(h, deploy.id))")
        let text = Self.messageText(h, deploy.id)
        for part in scenario.summary {
            // Slack shows the escaped summary; the parts here contain no `&`, `<` or `>`.
            #expect(text.contains(part))
        }
        #expect(h.slack.calls(method: "chat.postMessage").filter { $0.string("channel") == "C0DEPLOYS" }.count == 1)
    }

    @Test("success: applied → rolling out → verifying → succeeded after the stability window; Flux asked first")
    func success() async throws {
        let h = try SlipwayHarness()  // stability window 1 s, poll 0.2 s
        h.startServices()
        let deploy = try await Self.deploy(h, environment: "staging", tag: "main-600d600")
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state.isTerminal == true })
        let done = try #require(try h.deploy(deploy.id))
        #expect(done.state == .succeeded)
        #expect(done.failure == nil)
        #expect(
            try Self.stateChanges(h, deploy.id) == [
                "state:committing", "state:reconciling", "state:rolling_out", "state:verifying", "state:succeeded",
            ])
        let rolledOut = try #require(done.rolledOutAt)
        let finished = try #require(done.finishedAt)
        #expect(finished.timeIntervalSince(rolledOut) >= 1, "the stability window was waited out")
        let actions = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }.map(\.action)
        #expect(!actions.contains("progress"), "an unchanged progress is not recorded again at every poll")
        let record = try h.app.store.read { r in try r.environment(service: "shop", environment: "staging") }
        #expect(record?.liveTag == "main-600d600")

        // Reconcile now: the GitRepository, then the Kustomization, got the annotation as a merge patch.
        let patches = h.kubernetes.requests().filter { $0.method == "PATCH" }
        let gitRepository = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/gitops"
        let kustomization = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-staging"
        #expect(patches.map(\.path) == [gitRepository, kustomization])
        #expect(patches.allSatisfy { $0.contentType == "application/merge-patch+json" })
        let flux = try #require(
            h.kubernetes.object(
                K8s.Kustomization.self, "kustomizations", namespace: "flux-system", name: "shop-staging"))
        let token = try #require(flux.metadata.annotations?[FluxReconciler.requestedAtAnnotation])
        #expect(token.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z/) != nil)
        #expect(flux.status?.lastHandledReconcileAt == token)
        #expect(flux.status?.lastAppliedRevision == "main@sha1:\(done.gitCommit ?? "?")")

        // One watcher, LIST + selectors: nothing but the deploy's own namespaces, and no GET per pod.
        let reads = h.kubernetes.requests().filter { $0.method == "GET" }
        #expect(
            reads.allSatisfy {
                $0.path.contains("/namespaces/flux-system/") || $0.path.contains("/namespaces/shop-staging/")
            })
        #expect(!reads.contains { $0.path.contains("/pods/") })
        #expect(reads.filter { $0.path.hasSuffix("/pods") }.allSatisfy { $0.query["labelSelector"] == "app=shop" })

        #expect(await h.waitUntil { Self.messageText(h, deploy.id).contains("✅") })
        #expect(h.slack.calls(method: "chat.postMessage").filter { $0.string("channel") == "C0DEPLOYS" }.count == 1)
    }

    @Test(
        "idle objects cost nothing: Kustomizations are read by name, a namespace of idle Deployments by name after one LIST"
    )
    func idleObjectsAreReadByName() async throws {
        let git = try GitFixture()
        defer { git.remove() }
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        for index in 0..<40 {
            fake.addDeployment(
                namespace: "apps", name: "idle-\(index)", image: "ghcr.io/nortinia-ltd/idle-\(index):1", replicas: 1)
            fake.linkFlux(
                kustomization: "idle-\(index)", gitRepository: "gitops", gitDirectory: git.remote,
                path: "clusters/prod/idle-\(index)/kustomization.yaml", workloadNamespace: "apps",
                deployment: "idle-\(index)", image: "ghcr.io/nortinia-ltd/idle-\(index)")
        }
        let head = try git.remoteHead()
        var targets: [WatchTarget] = []
        for service in ["shop", "api"] {
            fake.addDeployment(
                namespace: "apps", name: service, image: "\(GitFixture.image(service)):\(GitFixture.initialTag)",
                replicas: 2)
            fake.linkFlux(
                kustomization: "\(service)-staging", gitRepository: "gitops", gitDirectory: git.remote,
                path: GitFixture.kustomization(service, "staging"), workloadNamespace: "apps", deployment: service,
                image: GitFixture.image(service))
            targets.append(
                WatchTarget(
                    deployId: "d-\(service)", fluxNamespace: "flux-system", kustomization: "\(service)-staging",
                    gitRepository: "gitops", namespace: "apps", deployment: service, commit: head, branch: "main",
                    expectedImage: "\(GitFixture.image(service)):\(GitFixture.initialTag)", startedAt: Date()))
        }
        let observer = ClusterObserver(
            client: KubernetesClient(
                configuration: KubernetesConfiguration(baseURL: fake.baseURL, token: .fixed(fake.token))))
        let kustomizations = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations"
        let deployments = "/apis/apps/v1/namespaces/apps/deployments"
        let named: Set<String> = ["\(kustomizations)/shop-staging", "\(kustomizations)/api-staging"]

        let first = await observer.observe(targets, now: Date())
        #expect(first == ["d-shop": .rolledOut, "d-api": .rolledOut])
        // Flux objects: one GET each, never a LIST of the Flux namespace (the Role allows only the named ones).
        #expect(fake.requests().filter { $0.path.hasPrefix(kustomizations) }.map(\.path).sorted() == named.sorted())
        #expect(fake.requests().filter { $0.path == deployments }.map { $0.query["fieldSelector"] } == [nil])
        fake.resetRequests()
        let second = await observer.observe(targets, now: Date())
        #expect(second == first)
        #expect(fake.requests().filter { $0.path.hasPrefix(kustomizations) }.map(\.path).sorted() == named.sorted())
        let reads = fake.requests().filter { $0.path == deployments }
        #expect(Set(reads.compactMap { $0.query["fieldSelector"] }) == ["metadata.name=shop", "metadata.name=api"])
        #expect(reads.count == 2)
        #expect(fake.requests().count == 2 + 2 + 1, "Kustomizations and Deployments by name, one pod LIST")
    }

    @Test("a signed Flux event wakes the monitor before its next poll; a bad signature gets 401")
    func fluxEventWakesTheMonitor() async throws {
        // Polls 30 s apart and a 20 s stability window: only the event can make the monitor look sooner.
        let h = try SlipwayHarness(adjust: { json in
            json["policy"] = [
                "stabilityWindowSeconds": 20, "approvalTimeoutSeconds": 1800, "pollIntervalSeconds": 30,
                "rolloutTimeoutSeconds": 120,
            ]
        })
        h.startServices()
        let deploy = try await Self.deploy(h, environment: "staging", tag: "main-e7e27e2")
        #expect(await h.waitUntil(timeout: 15) { try h.deploy(deploy.id)?.state == .verifying })
        let commit = try #require(try h.deploy(deploy.id)?.gitCommit)

        // A new pod crashes during the stability window; the monitor does not poll on its own yet.
        h.kubernetes.failPods(
            namespace: "shop-staging", deployment: "shop", with: .crashLoop(exitCode: 1, message: "panic: boom"))
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(try h.deploy(deploy.id)?.state == .verifying)

        func event(_ kustomization: String) -> [UInt8] {
            Array(
                (#"{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"\#(kustomization)","#
                    + #""uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1","#
                    + #""resourceVersion":"56921"},"severity":"error","timestamp":"2026-11-20T10:05:41Z","#
                    + #""message":"health check failed after 20s: timeout waiting for: [Deployment/shop-staging/shop status: 'InProgress']","#
                    + #""reason":"HealthCheckFailed","metadata":{"revision":"main@sha1:\#(commit)"},"#
                    + #""reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7f5c6d8b9-abcde"}"#)
                    .utf8)
        }
        func post(_ body: [UInt8], secret: String = SlipwayHarness.fluxToken) async throws -> HTTPResponse {
            try await h.send(
                .post, "/api/v1/flux/events",
                headers: [
                    "X-Signature": "sha256=" + HMAC.sha256Hex(key: secret, message: body),
                    "Content-Type": "application/json",
                ], body: body)
        }

        let forged = try await post(event("shop-staging"), secret: "not-the-token")
        #expect(forged.status == 401)
        let unsigned = try await h.send(.post, "/api/v1/flux/events", body: event("shop-staging"))
        #expect(unsigned.status == 401)
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try h.deploy(deploy.id)?.state == .verifying, "a rejected event wakes nothing")

        let other = try await post(event("api-prod"))
        #expect(other.status == 202)
        #expect(other.bodyText.contains(#""watched":false"#))

        let sent = Date()
        let accepted = try await post(event("shop-staging"))
        #expect(accepted.status == 202)
        #expect(accepted.bodyText.contains(#""watched":true"#))
        #expect(await h.waitUntil(timeout: 3) { try h.deploy(deploy.id)?.state == .failed })
        #expect(Date().timeIntervalSince(sent) < 3)
        let failed = try #require(try h.deploy(deploy.id))
        #expect(failed.failure?.cause == "crash_loop")
        #expect(failed.failure?.summary.contains("panic: boom") == true)
        #expect(failed.failure?.runbook == "crash-loop.md")
    }
}
