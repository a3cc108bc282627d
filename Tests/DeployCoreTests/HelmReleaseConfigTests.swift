import DeployCore
import Foundation
import Testing

@Suite("helmRelease environments in the config")
struct HelmReleaseConfigTests {
    private static let stagingKustomization = #""kustomization": "clusters/staging/shop/kustomization.yaml","#

    func parse(staging replacement: String) throws -> SlipwayConfig {
        let text = ConfigLoaderTests.sample.replacingOccurrences(of: Self.stagingKustomization, with: replacement)
        #expect(text != ConfigLoaderTests.sample)
        return try ConfigLoader.parse(Data(text.utf8))
    }

    func problem(_ replacement: String) -> String? {
        do {
            _ = try parse(staging: replacement)
            return nil
        } catch {
            return (error as? ConfigError)?.description
        }
    }

    @Test("helmRelease replaces kustomization, tagPath defaults to the HelmRelease values' image.tag")
    func read() throws {
        let config = try parse(
            staging:
                #""helmRelease": {"file": "clusters/staging/shop/release.yaml", "namespace": "shop", "name": "shop"},"#)
        let env = try #require(config.catalog.services["shop"]?.environments["staging"])
        #expect(
            env.helmRelease
                == HelmReleaseRef(
                    file: "clusters/staging/shop/release.yaml", tagPath: "spec.values.image.tag", namespace: "shop",
                    name: "shop"))
        #expect(env.kustomization == "clusters/staging/shop/release.yaml")
        #expect(env.helmRelease?.tagPathKeys == ["spec", "values", "image", "tag"])
        #expect(config.catalog.services["shop"]?.environments["prod"]?.helmRelease == nil)
    }

    @Test("a values file with tagPath image.tag")
    func valuesFile() throws {
        let config = try parse(
            staging:
                #""helmRelease": {"file": "apps/shop/values.yaml", "tagPath": "image.tag", "namespace": "shop", "name": "shop"},"#
        )
        #expect(config.catalog.services["shop"]?.environments["staging"]?.helmRelease?.tagPathKeys == ["image", "tag"])
    }

    @Test("mistakes name the key and say what to do")
    func errors() throws {
        let both = problem(
            Self.stagingKustomization
                + #""helmRelease": {"file": "a/release.yaml", "namespace": "shop", "name": "shop"},"#)
        #expect(both?.hasPrefix("services.shop.environments.staging.helmRelease: give either kustomization") == true)
        #expect(
            problem(#""helmRelease": {"file": "/abs/release.yaml", "namespace": "shop", "name": "shop"},"#)?
                .hasPrefix("services.shop.environments.staging.helmRelease.file: must be a path inside") == true)
        #expect(
            problem(
                #""helmRelease": {"file": "a/release.yaml", "tagPath": "spec..tag", "namespace": "s", "name": "s"},"#)?
                .hasPrefix("services.shop.environments.staging.helmRelease.tagPath: must be mapping keys") == true)
        #expect(
            problem(#""helmRelease": {"file": "a/release.yaml", "name": "shop"},"#)
                == "services.shop.environments.staging.helmRelease.namespace: is required")
        #expect(
            problem(#""helmRelease": {"file": "a/release.yaml", "namespace": "s", "name": "s", "chart": "x"},"#)?
                .hasPrefix("services.shop.environments.staging.helmRelease.chart: unknown field") == true)
        #expect(problem("") == "services.shop.environments.staging.kustomization: is required")
    }
}
