import DeployCore
import Foundation
import SlipwayApp
import Testing

@Suite struct UsergroupManifestTests {
    @Test func usergroupsReadIsAskedForOnlyWhenApproversNameAGroup() throws {
        var config = try SlackManifestTests.example()
        #expect(!SlackManifest.botScopes(for: config).map(\.name).contains("usergroups:read"))
        let service = try #require(config.catalog.services.keys.sorted().first)
        let environment = try #require(config.catalog.services[service]?.environments.keys.sorted().first)
        config.catalog.services[service]?.environments[environment]?.approvers = ["U0ALICE", "S0SRE"]
        #expect(SlackManifest.botScopes(for: config).map(\.name).contains("usergroups:read"))
    }
}
