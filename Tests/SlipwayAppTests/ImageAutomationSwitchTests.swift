import DeployCore
import Foundation
import SlipwayApp
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// Flux image automation next to manual deploys: while a rollback lock holds, the environment's
/// ImageUpdateAutomation is suspended so it cannot undo the pin; unlocking resumes it. The channel is told both times.
@Suite("Image automation: suspended while locked, resumed on unlock", .serialized, .harnessScope)
struct ImageAutomationSwitchTests {
    static func posts(_ h: SlipwayHarness) -> [String] {
        h.slack.succeededCalls(method: "chat.postMessage").filter { $0.string("channel") == "C0DEPLOYS" }
            .compactMap { $0.string("text") }
    }

    @Test("rollback → ImageUpdateAutomation suspended and said; unlock → resumed and said")
    func rollbackSuspendsUnlockResumes() async throws {
        let h = try SlipwayHarness(adjust: { json in
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                staging["imageAutomation"] = ["name": "shop-staging"]
            }
        })
        h.kubernetes.addImageUpdateAutomation(name: "shop-staging")
        h.kubernetes.addImageUpdateAutomation(name: "api-staging", suspended: true)  // a person's: never touched
        h.startServices()

        let good = try await h.ciDeploy("shop", "staging", sha: "4a1b2c3d4e5f", tag: "main-4a1b2c3")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(good)?.state == .succeeded })
        #expect(h.kubernetes.imageAutomationSuspended(name: "shop-staging") == false, "no lock, no suspension")

        _ = try await h.reply("/rollback shop staging \(GitFixture.initialTag)", user: "U0BOB")
        let rollback = try #require(try h.latestDeploy("shop", "staging"))
        #expect(rollback.kind == .rollback)
        #expect(rollback.approval == nil, "staging does not require approval, so neither does its rollback")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(rollback.id)?.state == .succeeded })
        #expect(try h.app.store.read { r in try r.lock(service: "shop", environment: "staging") } != nil)

        #expect(await h.waitUntil(timeout: 15) { h.kubernetes.imageAutomationSuspended(name: "shop-staging") == true })
        let suspended = try #require(
            h.kubernetes.object(
                K8s.ImageUpdateAutomation.self, "imageupdateautomations", namespace: "flux-system",
                name: "shop-staging"))
        #expect(suspended.metadata.annotation(FluxReconciler.suspendedByAnnotation)?.contains("shop/staging") == true)
        let patch = try #require(
            h.kubernetes.requests().last {
                $0.method == "PATCH"
                    && $0.path
                        == "/apis/image.toolkit.fluxcd.io/v1/namespaces/flux-system/imageupdateautomations/shop-staging"
            })
        #expect(patch.contentType == "application/merge-patch+json")
        #expect(
            await h.waitUntil(timeout: 15) {
                Self.posts(h).contains {
                    $0.contains("Suspended Flux image automation `flux-system/shop-staging`")
                        && $0.contains("`shop/staging` is locked")
                }
            }, "posts: \(Self.posts(h))")

        let unlock = try await h.reply("/deploy unlock shop staging", user: "U0BOB")
        #expect(unlock.text.contains("unlocked"), "\(unlock.text)")
        #expect(await h.waitUntil(timeout: 15) { h.kubernetes.imageAutomationSuspended(name: "shop-staging") == false })
        let resumed = try #require(
            h.kubernetes.object(
                K8s.ImageUpdateAutomation.self, "imageupdateautomations", namespace: "flux-system",
                name: "shop-staging"))
        #expect(resumed.metadata.annotation(FluxReconciler.suspendedByAnnotation) == nil)
        #expect(
            await h.waitUntil(timeout: 15) {
                Self.posts(h).contains { $0.contains("Resumed Flux image automation `flux-system/shop-staging`") }
            }, "posts: \(Self.posts(h))")
        // Once each.
        #expect(Self.posts(h).filter { $0.contains("image automation") }.count == 2)
        #expect(h.kubernetes.imageAutomationSuspended(name: "api-staging") == true)
    }
}
