import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

@Suite("HelmRelease files and invalid YAML, end to end", .harnessScope)
struct HelmReleaseFileTests {
    static let releasePath = "clusters/staging/shop/release.yaml"
    static let release = """
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: shop
          namespace: shop-staging
        spec:
          interval: 10m
          chart:
            spec: {chart: shop, sourceRef: {kind: HelmRepository, name: acme, namespace: flux-system}}
          values:
            image:
              repository: ghcr.io/nortinia-ltd/shop
              tag: '\(GitFixture.initialTag)'   # set by Slipway

        """

    @Test("a helmRelease environment commits only its values' image tag, in its own quoting")
    func helmReleaseCommit() async throws {
        let h = try SlipwayHarness(adjust: { json in
            SlipwayHarness.editEnvironment(&json, "staging") { staging in
                staging["kustomization"] = nil
                staging["helmRelease"] = ["file": Self.releasePath, "namespace": "shop-staging", "name": "shop"]
            }
        })
        try h.git.pushFromOtherClone(file: Self.releasePath, text: Self.release, message: "shop: HelmRelease")
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.gitCommit != nil })
        #expect(
            try h.git.remoteFile(Self.releasePath)
                == Self.release.replacingOccurrences(of: "'\(GitFixture.initialTag)'", with: "'main-1a2b3c4'"))
        #expect(try h.deploy(deploy.id)?.previousTag == GitFixture.initialTag)
    }

    @Test("a kustomization that is not valid YAML fails the deploy with file, line and column; nothing is committed")
    func invalidYAMLFails() async throws {
        let h = try SlipwayHarness()
        let path = GitFixture.kustomization("shop", "staging")
        let broken = try h.git.remoteFile(path) + "labels: [unclosed\n"
        try h.git.pushFromOtherClone(file: path, text: broken, message: "a broken edit")
        let before = try h.git.remoteHead()
        h.startServices()
        _ = try await h.reply("/deploy shop staging main-1a2b3c4")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil { try h.deploy(deploy.id)?.state == .failed })
        let summary = try #require(try h.deploy(deploy.id)?.failure?.summary)
        #expect(summary.hasPrefix("\(path) line "), "\(summary)")
        #expect(summary.contains(", column "), "\(summary)")
        #expect(summary.contains("not valid YAML"))
        #expect(try h.git.remoteHead() == before)
    }
}
