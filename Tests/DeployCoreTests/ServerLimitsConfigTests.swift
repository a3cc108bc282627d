import DeployCore
import Foundation
import Testing

@Suite("server connection limits in the config")
struct ServerLimitsConfigTests {
    func parse(_ extra: String) throws -> SlipwayConfig {
        try ConfigLoader.parse(
            Data(
                ConfigLoaderTests.sample.replacingOccurrences(of: #""port": 8080"#, with: #""port": 8080, "# + extra)
                    .utf8))
    }

    @Test("defaults: connections sized from the open-file limit, 512 per client, a 30 s request deadline")
    func defaults() throws {
        let server = try ConfigLoader.parse(Data(ConfigLoaderTests.sample.utf8)).server
        #expect(server.maxConnections == nil)
        #expect(server.maxConnectionsPerClient == 512)
        #expect(server.requestDeadlineSeconds == 30)
    }

    @Test("the three keys are read")
    func read() throws {
        let server = try parse(
            #""maxConnections": 4096, "maxConnectionsPerClient": 0, "requestDeadlineSeconds": 10"#
        ).server
        #expect(server.maxConnections == 4096)
        #expect(server.maxConnectionsPerClient == 0)
        #expect(server.requestDeadlineSeconds == 10)
    }

    @Test("out-of-range values name the key")
    func outOfRange() throws {
        #expect {
            try parse(#""requestDeadlineSeconds": -1"#)
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("server.requestDeadlineSeconds: must be between 0") == true
        }
        #expect {
            try parse(#""maxConnections": 1"#)
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("server.maxConnections: must be between 16") == true
        }
    }
}
