import DeployCore
import Foundation
import Testing

/// `preDeploy` and `imageAutomation` of an environment: read with their defaults, refused precisely when wrong.
@Suite("Configuration: preDeploy steps and imageAutomation")
struct PreDeployConfigTests {
    /// The sample with `extra` JSON fields added to services.shop.environments.staging.
    static func parse(staging extra: String) throws -> SlipwayConfig {
        let anchor = #""workload": { "namespace": "shop-staging", "deployment": "shop" },"#
        let text = ConfigLoaderTests.sample
        #expect(text.contains(anchor))
        return try ConfigLoader.parse(Data(text.replacingOccurrences(of: anchor, with: anchor + extra).utf8))
    }

    static func error(staging extra: String) -> ConfigError? {
        do {
            _ = try parse(staging: extra)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return ConfigError(path: "?", problem: "\(error)")
        }
    }

    static let env = "services.shop.environments.staging"

    @Test("a step with its defaults: the environment's Flux objects, 600 s")
    func stepDefaults() throws {
        let config = try Self.parse(
            staging:
                #""preDeploy": [{"name": "migrate", "kustomization": "clusters/staging/shop-migrate/kustomization.yaml", "job": {"namespace": "shop-staging", "name": "shop-migrate"}}], "imageAutomation": {"name": "shop-staging"},"#
        )
        let staging = try #require(config.catalog.services["shop"]?.environments["staging"])
        #expect(
            staging.preDeploy == [
                PreDeployStep(
                    name: "migrate", kustomization: "clusters/staging/shop-migrate/kustomization.yaml",
                    flux: ObjectRef(namespace: "flux-system", name: "shop-staging"), gitRepository: "gitops",
                    job: ObjectRef(namespace: "shop-staging", name: "shop-migrate"), timeoutSeconds: 600)
            ])
        #expect(staging.imageAutomation == ImageAutomationRef(namespace: "flux-system", name: "shop-staging"))
        #expect(staging.imageAutomation?.apiVersion == "image.toolkit.fluxcd.io/v1")
        #expect(config.catalog.services["shop"]?.environments["prod"]?.preDeploy == [])
    }

    @Test(
        "bad steps and automations are refused with their path and what to do",
        arguments: [
            (#""preDeploy": {"name": "migrate"},"#, "preDeploy", "must be a list of steps"),
            (
                #""preDeploy": [{"name": "migrate", "kustomization": "clusters/staging/shop/kustomization.yaml", "job": {"namespace": "shop-staging", "name": "m"}}],"#,
                "preDeploy[0].kustomization", "is the environment's own kustomization"
            ),
            (
                #""preDeploy": [{"name": "migrate", "kustomization": "m/kustomization.yaml", "job": {"namespace": "shop-staging", "name": "Shop_Migrate"}}],"#,
                "preDeploy[0].job.name", "must be a Kubernetes name"
            ),
            (
                #""preDeploy": [{"name": "migrate", "kustomization": "m/kustomization.yaml", "job": {"namespace": "s", "name": "m"}}, {"name": "migrate", "kustomization": "n/kustomization.yaml", "job": {"namespace": "s", "name": "n"}}],"#,
                "preDeploy[1].name", "step \"migrate\" is listed twice"
            ),
            (
                #""preDeploy": [{"name": "migrate", "kustomization": "m/kustomization.yaml", "job": {"namespace": "s", "name": "m"}, "timeout": 5}],"#,
                "preDeploy[0].timeout", "unknown field"
            ),
            (
                #""preDeploy": [{"name": "migrate", "kustomization": "../m/kustomization.yaml", "job": {"namespace": "s", "name": "m"}}],"#,
                "preDeploy[0].kustomization", "must be a path inside the GitOps repository"
            ),
            (
                #""imageAutomation": {"name": "shop", "apiVersion": "image.toolkit.fluxcd.io/v1beta1"},"#,
                "imageAutomation.apiVersion",
                "must be one of image.toolkit.fluxcd.io/v1, image.toolkit.fluxcd.io/v1beta2"
            ),
            (#""imageAutomation": {"namespace": "flux-system"},"#, "imageAutomation.name", "is required"),
        ])
    func refused(_ extra: String, _ path: String, _ problem: String) throws {
        let error = try #require(Self.error(staging: extra))
        #expect(error.path == "\(Self.env).\(path)")
        #expect(error.problem.hasPrefix(problem), "\(error)")
    }
}
