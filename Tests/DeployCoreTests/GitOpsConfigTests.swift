import DeployCore
import Foundation
import Testing

@Suite("gitops signing, token and partial clone in the config")
struct GitOpsConfigTests {
    func parse(_ extra: String) throws -> SlipwayConfig {
        let anchor = #""branch": "main","#
        let text = ConfigLoaderTests.sample.replacingOccurrences(of: anchor, with: anchor + " " + extra)
        #expect(text != ConfigLoaderTests.sample)
        return try ConfigLoader.parse(Data(text.utf8))
    }

    func problem(_ extra: String) -> String? {
        do {
            _ = try parse(extra)
            return nil
        } catch {
            return (error as? ConfigError)?.description
        }
    }

    @Test("defaults: unsigned, no token, a full clone")
    func defaults() throws {
        let gitops = try ConfigLoader.parse(Data(ConfigLoaderTests.sample.utf8)).gitops
        #expect(gitops.signing == nil)
        #expect(gitops.tokenEnv == nil)
        #expect(!gitops.partialClone)
    }

    @Test("the keys are read, and the token variable is a required secret")
    func read() throws {
        let config = try parse(
            #""signing": {"format": "ssh", "keyFile": "/etc/slipway/signing"}, "tokenEnv": "GITOPS_TOKEN", "partialClone": true,"#
        )
        #expect(config.gitops.signing == .init(format: .ssh, keyFile: "/etc/slipway/signing"))
        #expect(config.gitops.tokenEnv == "GITOPS_TOKEN")
        #expect(config.gitops.partialClone)
        let missing = config.missingSecrets(in: [:]).map(\.description)
        #expect(missing.contains { $0.hasPrefix("gitops.tokenEnv: environment variable GITOPS_TOKEN is not set") })
    }

    @Test("mistakes name the key")
    func errors() {
        #expect(
            problem(#""signing": {"format": "gpg", "keyFile": "k"},"#)?
                .hasPrefix("gitops.signing.format: must be one of ssh, openpgp") == true)
        #expect(problem(#""signing": {"format": "ssh"},"#) == "gitops.signing.keyFile: is required")
        #expect(
            problem(#""tokenEnv": "ghp_abc-123","#)?.hasPrefix("gitops.tokenEnv: must name an environment variable")
                == true)
        #expect(problem(#""partialClone": "yes","#)?.hasPrefix("gitops.partialClone: must be true or false") == true)
    }
}
