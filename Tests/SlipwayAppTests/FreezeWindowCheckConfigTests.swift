import Foundation
import SlipwayTesting
import Testing

@Suite(
    "check-config and freeze windows", .enabled(if: SlipwayProcess.binary != nil, "the slipway product is not built"),
    .harnessScope)
struct FreezeWindowCheckConfigTests {
    /// The harness configuration with `window` as the only freeze window of shop's prod environment.
    func writeConfig(window: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "slipway-freeze-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestScope.removeOnExit(dir)
        var json = SlipwayHarness.configJSON(
            remote: dir + "/missing-remote.git", checkout: dir + "/checkout", slackURL: "http://127.0.0.1:9/api",
            pagerDutyURL: "http://127.0.0.1:9/pd", store: ["sqlite": ["path": dir + "/s.sqlite"]])
        SlipwayHarness.editEnvironment(&json, "prod") { prod in
            prod["freezeWindows"] = [window]
        }
        let path = dir + "/slipway.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a bad weekday, time or zone is named with its path and value; a good window passes")
    func checkConfigNamesTheWindow() throws {
        let zone = try SlipwayProcess.run([
            "check-config", "--config",
            try writeConfig(window: ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "Europe/Berln"]),
        ])
        #expect(zone.status == 2)
        #expect(
            zone.stderr
                == "slipway: config: services.shop.environments.prod.freezeWindows[0].timeZone: unknown time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?); use an IANA name such as Europe/Berlin or UTC\n"
        )
        let day = try SlipwayProcess.run([
            "check-config", "--config",
            try writeConfig(window: ["from": "fry 15:00", "to": "mon 08:00", "timeZone": "UTC"]),
        ])
        #expect(day.status == 2)
        #expect(day.stderr.contains("freezeWindows[0].from: unknown weekday \"fry\" (did you mean \"fri\"?)"))
        let good = try SlipwayProcess.run([
            "check-config", "--config",
            try writeConfig(window: ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "Europe/Berlin"]),
        ])
        // Without the secrets' environment variables it stops at those, past the windows.
        #expect(!good.stderr.contains("freezeWindows"), "\(good.stderr)")
        #expect(good.stderr.contains("is not set"), "\(good.stderr)")
    }
}
