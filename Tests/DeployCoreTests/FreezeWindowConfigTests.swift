import DeployCore
import Foundation
import SlipwayTesting
import Testing

@Suite struct FreezeWindowConfigTests {
    /// The harness configuration with `freezeWindows` set on shop's prod environment.
    static func config(freezeWindows: Any) throws -> Data {
        var json = SlipwayHarness.configJSON(
            remote: "/tmp/r.git", checkout: "/tmp/c", slackURL: "http://127.0.0.1:9",
            pagerDutyURL: "http://127.0.0.1:9", store: ["sqlite": ["path": "/tmp/s.sqlite"]])
        var services = try #require(json["services"] as? [String: Any])
        var shop = try #require(services["shop"] as? [String: Any])
        var environments = try #require(shop["environments"] as? [String: Any])
        var prod = try #require(environments["prod"] as? [String: Any])
        prod["freezeWindows"] = freezeWindows
        environments["prod"] = prod
        shop["environments"] = environments
        services["shop"] = shop
        json["services"] = services
        return try JSONSerialization.data(withJSONObject: json)
    }

    @Test func windowsAreReadIntoTheEnvironment() throws {
        let data = try Self.config(freezeWindows: [
            ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "Europe/Berlin", "reason": "weekend"],
            ["from": "Wed 22:00", "to": "thu 2:00", "timeZone": "Asia/Kolkata"],
        ])
        let config = try ConfigLoader.parse(data)
        let prod = try #require(config.catalog.services["shop"]?.environments["prod"])
        #expect(prod.freezeWindows.count == 2)
        #expect(prod.freezeWindows[0].from == WeeklyTime(weekday: .fri, hour: 15, minute: 0))
        #expect(prod.freezeWindows[0].to == WeeklyTime(weekday: .mon, hour: 8, minute: 0))
        #expect(prod.freezeWindows[0].timeZone.identifier == "Europe/Berlin")
        #expect(prod.freezeWindows[0].reason == "weekend")
        #expect(prod.freezeWindows[1].reason == "freeze window")
        #expect(prod.freezeWindows[1].to == WeeklyTime(weekday: .thu, hour: 2, minute: 0))
        #expect(config.catalog.services["shop"]?.environments["staging"]?.freezeWindows == [])
    }

    static let prefix = "services.shop.environments.prod.freezeWindows"

    @Test(arguments: [
        (
            #"{"from": "fre 15:00", "to": "mon 08:00", "timeZone": "Europe/Berlin"}"#, "[0].from",
            "unknown weekday \"fre\" (did you mean \"fri\"?); use one of mon, tue, wed, thu, fri, sat, sun"
        ),
        (
            #"{"from": "fri 15:00", "to": "mon 8.00", "timeZone": "Europe/Berlin"}"#, "[0].to",
            "bad time \"8.00\"; use 24-hour HH:MM from 00:00 to 23:59, e.g. 15:00"
        ),
        (
            #"{"from": "fri 15:00", "to": "mon 08:00", "timeZone": "Europe/Berlln"}"#, "[0].timeZone",
            "unknown time zone \"Europe/Berlln\" (did you mean \"Europe/Berlin\"?); use an IANA name such as Europe/Berlin or UTC"
        ),
        (
            #"{"from": "fri 15:00", "to": "fri 15:00", "timeZone": "UTC"}"#, "[0].to",
            "is the same time as from (\"fri 15:00\"); a window needs an end, e.g. \"mon 08:00\""
        ),
        (#"{"from": "fri 15:00", "timeZone": "UTC"}"#, "[0].to", "is required"),
        (#"{"from": "fri 15:00", "to": "mon 08:00"}"#, "[0].timeZone", "is required"),
        (#"{"from": "fri 15:00", "to": "mon 08:00", "timeZone": "UTC", "until": "x"}"#, "[0].until", "unknown field"),
        (#"{"from": 15, "to": "mon 08:00", "timeZone": "UTC"}"#, "[0].from", "must be a string"),
    ])
    func badWindowsNameThePathAndTheValue(window: String, path: String, problem: String) throws {
        let data = try Self.config(freezeWindows: [JSONSerialization.jsonObject(with: Data(window.utf8))])
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(data) }
        #expect(error?.path == Self.prefix + path)
        #expect(error?.problem.hasPrefix(problem) == true, "\(error?.problem ?? "")")
    }

    @Test func theSecondBadWindowIsNamedByIndex() throws {
        let data = try Self.config(freezeWindows: [
            ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "UTC"],
            ["from": "sat 24:00", "to": "mon 08:00", "timeZone": "UTC"],
        ])
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(data) }
        #expect(error?.description.hasPrefix(Self.prefix + "[1].from: bad time \"24:00\"") == true)
    }

    @Test func aSingleObjectInsteadOfAListIsExplained() throws {
        let data = try Self.config(freezeWindows: ["from": "fri 15:00", "to": "mon 08:00", "timeZone": "UTC"])
        let error = #expect(throws: ConfigError.self) { try ConfigLoader.parse(data) }
        #expect(error?.path == Self.prefix)
        #expect(error?.problem.hasPrefix("must be a list of windows") == true)
    }
}
