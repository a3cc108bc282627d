import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

/// `slipway rbac` follows HelmRelease environments, pre-deploy steps and image automation: exactly the objects
/// configured, and pod logs where a step's Job runs.
@Suite("RBAC for HelmReleases, pre-deploy Jobs and image automation")
struct RBACWorkflowTests {
    @Test("the Roles allow what these features call, by name where the name is known")
    func workflowPermissions() throws {
        var json = SlipwayHarness.configJSON(
            remote: "/tmp/r.git", checkout: "/tmp/c", slackURL: "http://127.0.0.1:9",
            pagerDutyURL: "http://127.0.0.1:9",
            store: ["sqlite": ["path": "/tmp/s.sqlite"]])
        SlipwayHarness.editEnvironment(&json, "staging") { staging in
            staging["kustomization"] = nil
            staging["helmRelease"] = [
                "file": "clusters/staging/shop/helmrelease.yaml", "namespace": "shop-staging", "name": "shop",
            ]
            staging["imageAutomation"] = ["name": "shop-staging"]
            staging["preDeploy"] = [
                [
                    "name": "migrate", "kustomization": "clusters/staging/shop-migrate/kustomization.yaml",
                    "flux": ["kustomization": "shop-staging-migrate"],
                    "job": ["namespace": "migrations", "name": "shop-migrate"],
                ]
            ]
        }
        let manifest = try RBACManifest(config: ConfigLoader.parse(JSONSerialization.data(withJSONObject: json)))

        func allows(_ namespace: String, _ group: String, _ resource: String, _ verb: String, _ name: String? = nil)
            -> Bool
        {
            manifest.allows(
                RBACManifest.Permission(
                    namespace: namespace, apiGroup: group, resource: resource, verb: verb, name: name))
        }
        #expect(allows("shop-staging", "helm.toolkit.fluxcd.io", "helmreleases", "get", "shop"))
        #expect(allows("shop-staging", "helm.toolkit.fluxcd.io", "helmreleases", "patch", "shop"))
        #expect(!allows("shop-staging", "helm.toolkit.fluxcd.io", "helmreleases", "patch", "other"))
        #expect(allows("flux-system", "kustomize.toolkit.fluxcd.io", "kustomizations", "patch", "shop-staging-migrate"))
        #expect(allows("migrations", "batch", "jobs", "get", "shop-migrate"))
        #expect(!allows("migrations", "batch", "jobs", "get", "other"))
        #expect(allows("migrations", "", "pods", "list"))
        #expect(allows("migrations", "", "pods/log", "get", "shop-migrate-abcde"))
        #expect(!allows("migrations", "", "configmaps", "list"))
        #expect(allows("flux-system", "image.toolkit.fluxcd.io", "imageupdateautomations", "patch", "shop-staging"))
        #expect(!allows("flux-system", "image.toolkit.fluxcd.io", "imageupdateautomations", "patch", "api-staging"))
    }
}
