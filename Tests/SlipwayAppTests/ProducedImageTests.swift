import DeployCore
import Foundation
import SlipwayApp
import SlipwayGitOps
import SlipwayTesting
import Testing

@Suite("The watch expects the image the kustomization produces", .harnessScope)
struct ProducedImageTests {
    static let mirrored = """
        # Shop on staging, pulled through the internal mirror.
        apiVersion: kustomize.config.k8s.io/v1beta1
        kind: Kustomization
        namespace: shop-staging
        resources:
          - deployment.yaml
        images:
          - name: ghcr.io/nortinia-ltd/shop
            newName: registry.internal/mirror/shop
            newTag: \(GitFixture.initialTag) # {"$imagepolicy": "flux-system:shop-staging:tag"}

        """

    @Test("a registry mirror (newName) goes green: the rollout to registry.internal/mirror/shop:<tag> is this deploy's")
    func mirrorGoesGreen() async throws {
        let h = try SlipwayHarness()
        try h.git.pushFromOtherClone(
            file: GitFixture.kustomization("shop", "staging"), text: Self.mirrored, message: "shop: pull via mirror")
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        let file = try h.git.remoteFile(GitFixture.kustomization("shop", "staging"))
        #expect(file == Self.mirrored.replacingOccurrences(of: GitFixture.initialTag, with: "main-1a2b3c4"))
        #expect(await h.waitUntil(timeout: 20) { try h.deploy(deploy.id)?.state == .succeeded })
        let stored = try #require(try h.deploy(deploy.id))
        #expect(stored.state == .succeeded, "\(stored.state) \(stored.failure?.summary ?? "")")
    }

    @Test("an $imagepolicy setter on the edited entry puts a warning on the deploy, in the message and in /status")
    func imagePolicyWarning() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        let note = try #require(try h.deploy(deploy.id)?.note)
        #expect(note.contains(CommitResult.imageAutomationWarning))
        #expect(note.contains("flux-system:shop-staging:tag"))
        #expect(
            await h.waitUntil {
                h.slack.calls().contains { $0.bodyText.contains(CommitResult.imageAutomationWarning) }
            })
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains(CommitResult.imageAutomationWarning), "\(status.text)")

        // Production's entry has no setter: no warning. (Promotion takes a tag that succeeded in staging.)
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded })
        _ = try await h.reply("/deploy shop prod main-1a2b3c4")
        let prod = try #require(try h.latestDeploy("shop", "prod"))
        let token = try #require(prod.approval?.token)
        _ = try await h.click(actionId: ActionID.approve, value: token, user: "U0DANA")
        #expect(await h.waitUntil { try h.deploy(prod.id)?.gitCommit != nil })
        #expect(try h.deploy(prod.id)?.note == nil)
    }

    @Test("after a restart the expected image is read from the file at the deploy's commit")
    func producedImageAtCommit() async throws {
        let h = try SlipwayHarness()
        try h.git.pushFromOtherClone(
            file: GitFixture.kustomization("shop", "staging"), text: Self.mirrored, message: "shop: pull via mirror")
        let head = try h.git.remoteHead()
        let images = ProducedImages(gitops: h.app.gitops)
        var deploy = Deploy(
            id: "d-restart", service: "shop", environment: "staging", kind: .deploy, source: .slack,
            targetTag: GitFixture.initialTag, requestedBy: "U0ALICE", createdAt: Date())
        deploy.gitCommit = head
        let service = try #require(h.config.catalog.services["shop"])
        let env = try #require(service.environments["staging"])
        #expect(
            await images.expectedImage(for: deploy, service: service, environment: env)
                == "registry.internal/mirror/shop:\(GitFixture.initialTag)")
        // Without a commit (or a repository) it is the service's image with the deploy's tag.
        #expect(
            await ProducedImages().expectedImage(for: deploy, service: service, environment: env)
                == "ghcr.io/nortinia-ltd/shop:\(GitFixture.initialTag)")
    }
}
