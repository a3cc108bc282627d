import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayTesting
import Testing

@Suite("FluxReconciler")
struct FluxReconcilerTests {
    @Test func tokenIsRFC3339WithNanoseconds() throws {
        let token = FluxReconciler.token(for: Date(timeIntervalSince1970: 1_795_168_800.5))
        #expect(token == "2026-11-20T10:00:00.500000000Z")
        let now = FluxReconciler.token(for: Date())
        #expect(now.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z/) != nil)
        #expect(
            String(decoding: FluxReconciler.patchBody(token: token), as: UTF8.self)
                == #"{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"2026-11-20T10:00:00.500000000Z"}}}"#
        )
    }

    @Test func annotatesSourceThenKustomizationAndSeesItHandled() async throws {
        let scenario = try FluxScenario()
        let sha = try scenario.push(tag: "main-5394cb7")
        scenario.fake.resetRequests()
        let reconciler = FluxReconciler(client: scenario.client)

        let token = try await reconciler.requestReconcile(
            gitRepository: "gitops", kustomization: "shop-prod", namespace: "flux-system",
            at: Date(timeIntervalSince1970: 1_795_168_800.123))
        #expect(token == "2026-11-20T10:00:00.123000000Z")

        let patches = scenario.fake.requests().filter { $0.method == "PATCH" }
        #expect(
            patches.map(\.path) == [
                "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/gitops",
                "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/shop-prod",
            ])
        #expect(patches.allSatisfy { $0.contentType == "application/merge-patch+json" })

        let kustomization = try #require(
            scenario.fake.object(K8s.Kustomization.self, "kustomizations", namespace: "flux-system", name: "shop-prod"))
        #expect(kustomization.metadata.annotations?["reconcile.fluxcd.io/requestedAt"] == token)
        #expect(kustomization.status?.lastAppliedRevision == "main@sha1:\(sha)")
        #expect(FluxReconciler.isHandled(kustomization, token: token))
        #expect(try await reconciler.isHandled(token: token, kustomization: "shop-prod", namespace: "flux-system"))
        #expect(!(try await reconciler.isHandled(token: "older", kustomization: "shop-prod", namespace: "flux-system")))

        let source = try #require(
            scenario.fake.object(K8s.GitRepository.self, "gitrepositories", namespace: "flux-system", name: "gitops"))
        #expect(source.status?.artifact?.revision == "main@sha1:\(sha)")
        #expect(source.status?.lastHandledReconcileAt == token)
    }

    @Test func missingKustomizationIsNotFound() async throws {
        let scenario = try FluxScenario()
        let error = try await #require(throws: KubernetesError.self) {
            try await FluxReconciler(client: scenario.client, retry: .never).requestReconcile(
                gitRepository: "gitops", kustomization: "nope", namespace: "flux-system", at: Date())
        }
        #expect(error.isNotFound)
        #expect(error.apiMessage == "kustomizations.kustomize.toolkit.fluxcd.io \"nope\" not found")
    }
}
