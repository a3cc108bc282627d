import DeployCore
import Foundation
import SlipwayHTTP
import SlipwayKubernetes
import SlipwayTesting
import Synchronization
import Testing

@Suite("KubernetesClient")
struct KubernetesClientTests {
    private func client(_ fake: FakeKubernetes, token: String? = nil) -> KubernetesClient {
        KubernetesClient(
            configuration: KubernetesConfiguration(
                baseURL: fake.baseURL, token: .fixed(token ?? fake.token), requestTimeout: 5))
    }

    @Test func listsPodsWithALabelSelector() async throws {
        let fake = try FakeKubernetes()
        fake.addDeployment(
            namespace: "shop", name: "shop", image: "ghcr.io/nortinia-ltd/shop:main-0000000", replicas: 3)
        fake.addDeployment(
            namespace: "shop", name: "cart", image: "ghcr.io/nortinia-ltd/cart:main-0000000", replicas: 2)
        let client = client(fake)

        let shop = try await client.list(.pods, namespace: "shop", labelSelector: "app=shop")
        #expect(shop.items.count == 3)
        #expect(shop.items.allSatisfy { $0.metadata.labels?["app"] == "shop" })
        let both = try await client.list(.pods, namespace: "shop", labelSelector: "app in (cart,shop)")
        #expect(both.items.count == 5)
        let none = try await client.list(.pods, namespace: "other", labelSelector: "app=shop")
        #expect(none.items.isEmpty)

        let request = try #require(fake.requests().first)
        #expect(request.method == "GET")
        #expect(request.path == "/api/v1/namespaces/shop/pods")
        #expect(request.query["labelSelector"] == "app=shop")
        #expect(client.requestCount == 3)
    }

    @Test func getsAndListsWithAFieldSelector() async throws {
        let fake = try FakeKubernetes()
        fake.addDeployment(namespace: "shop", name: "shop", image: "ghcr.io/nortinia-ltd/shop:main-0000000")
        fake.addDeployment(namespace: "shop", name: "cart", image: "ghcr.io/nortinia-ltd/cart:main-0000000")
        let client = client(fake)
        let deployment = try await client.get(.deployments, namespace: "shop", name: "shop")
        #expect(deployment.containers.first?.image == "ghcr.io/nortinia-ltd/shop:main-0000000")
        #expect(RolloutStatus.evaluate(deployment) == .complete)
        let named = try await client.list(.deployments, namespace: "shop", fieldSelector: "metadata.name=cart")
        #expect(named.items.map(\.metadata.name) == ["cart"])
        #expect(fake.requests().last?.path == "/apis/apps/v1/namespaces/shop/deployments")
    }

    @Test func mergePatchSendsTheMergePatchContentType() async throws {
        let fake = try FakeKubernetes()
        try fake.put(
            json:
                #"{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"shop-prod","namespace":"flux-system","annotations":{"keep":"me"}}}"#
        )
        let client = client(fake)
        let patched = try await client.mergePatch(
            .kustomizations, namespace: "flux-system", name: "shop-prod",
            json: Array(#"{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"x"}}}"#.utf8))
        #expect(patched.metadata.annotations == ["keep": "me", "reconcile.fluxcd.io/requestedAt": "x"])
        let request = try #require(fake.requests().last)
        #expect(request.method == "PATCH")
        #expect(request.path == "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-prod")
        #expect(request.contentType == "application/merge-patch+json")
    }

    @Test func unauthorizedIsTypedAndNeverShowsTheToken() async throws {
        let fake = try FakeKubernetes()
        let client = client(fake, token: "wrong-secret-token")
        let error = try await #require(throws: KubernetesError.self) {
            _ = try await client.list(.pods, namespace: "shop")
        }
        #expect(error.isUnauthorized)
        #expect(error.status == 401)
        #expect(error.apiReason == "Unauthorized")
        #expect(!error.isRetryable)
        #expect(!error.description.contains("wrong-secret-token"))
        #expect(error.description.contains("GET /api/v1/namespaces/shop/pods answered 401 Unauthorized"))
    }

    @Test func notFoundCarriesTheStatusMessage() async throws {
        let fake = try FakeKubernetes()
        let error = try await #require(throws: KubernetesError.self) {
            _ = try await client(fake).get(.deployments, namespace: "shop", name: "nope")
        }
        #expect(error.isNotFound)
        #expect(error.apiReason == "NotFound")
        #expect(error.apiMessage == "deployments.apps \"nope\" not found")
        #expect(error.path == "/apis/apps/v1/namespaces/shop/deployments/nope")
    }

    @Test func connectionRefusedIsTypedAndRetryable() async throws {
        let fake = try FakeKubernetes()
        let url = fake.baseURL
        fake.stop()
        let client = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: url, token: .fixed("t"), requestTimeout: 2))
        let error = try await #require(throws: KubernetesError.self) {
            _ = try await client.list(.pods, namespace: "shop")
        }
        #expect(error.isConnectionRefused)
        #expect(error.transport == .connectionRefused)
        #expect(error.isRetryable)
        #expect(error.description.hasPrefix("Kubernetes API GET /api/v1/namespaces/shop/pods could not connect"))
    }

    @Test func rejectsNamesThatWouldEscapeThePath() async throws {
        let fake = try FakeKubernetes()
        let error = try await #require(throws: KubernetesError.self) {
            _ = try await client(fake).get(.pods, namespace: "shop", name: "../../secrets/x")
        }
        #expect(error.status == nil)
        #expect(fake.totalRequests == 0)
    }

    @Test func rotatedTokenFileIsReadAgain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token").path
        try "first-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)

        let fake = try FakeKubernetes(token: "first-token")
        let client = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: fake.baseURL, token: .file(tokenFile, maxAge: 3600)))
        _ = try await client.list(.pods, namespace: "shop")

        // The kubelet writes a new token; the old one stops working.
        try "second-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        fake.rotateToken(to: "second-token")
        _ = try await client.list(.pods, namespace: "shop")
        #expect(fake.requests().last?.method == "GET")
        #expect(client.requestCount <= 3)
    }

    @Test func retriesOnlyRetryableErrors() async throws {
        let flaky = ScriptedHTTPClient(statuses: [503, 429, 200])
        let client = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: "http://127.0.0.1:1"), http: flaky)
        let retry = KubernetesRetry(attempts: 3, initialDelay: 0.01, sleep: { _ in })
        let list = try await retry.run { try await client.list(.pods, namespace: "shop") }
        #expect(list.items.isEmpty)
        #expect(flaky.count == 3)

        let forbidden = ScriptedHTTPClient(statuses: [403, 200])
        let client2 = KubernetesClient(
            configuration: KubernetesConfiguration(baseURL: "http://127.0.0.1:1"), http: forbidden)
        let error = try await #require(throws: KubernetesError.self) {
            try await retry.run { try await client2.list(.pods, namespace: "shop") }
        }
        #expect(error.isForbidden)
        #expect(forbidden.count == 1)
    }
}

/// Answers with the given statuses in turn (then 200), counting calls. Only for retry logic; everything else runs
/// against `FakeKubernetes` over loopback.
final class ScriptedHTTPClient: HTTPClient, Sendable {
    private let script: Mutex<(statuses: [Int], calls: Int)>

    init(statuses: [Int]) { script = Mutex((statuses, 0)) }

    var count: Int { script.withLock { $0.calls } }

    func send(_ request: HTTPClientRequest) throws -> HTTPResponse {
        let status: Int = script.withLock { script in
            script.calls += 1
            return script.statuses.isEmpty ? 200 : script.statuses.removeFirst()
        }
        if status == 200 { return .json(200, #"{"kind":"PodList","items":[]}"#) }
        return .json(status, #"{"kind":"Status","status":"Failure","reason":"Whatever","code":\#(status)}"#)
    }
}
