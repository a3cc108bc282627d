import DeployCore
import Foundation
import Testing

@Suite("Commands of deploy decisions: --emergency, lock durations, freeze and unfreeze")
struct DeployDecisionCommandTests {
    @Test(
        "parsed as the user meant",
        arguments: [
            (
                "/deploy", "shop prod main-1a2b3c4 --emergency checkout is down",
                SlashCommand.deploy(
                    service: "shop", environment: "prod", ref: "main-1a2b3c4", emergency: "checkout is down")
            ),
            (
                "/deploy", "shop prod --emergency hotfix",
                SlashCommand.deploy(service: "shop", environment: "prod", ref: nil, emergency: "hotfix")
            ),
            (
                "/rollback", "shop prod --EMERGENCY db broke",
                SlashCommand.rollback(service: "shop", environment: "prod", tag: nil, emergency: "db broke")
            ),
            (
                "/deploy", "lock shop prod 2h database migration",
                SlashCommand.lock(service: "shop", environment: "prod", reason: "database migration", duration: 7200)
            ),
            (
                "/deploy", "lock shop prod 2h",
                SlashCommand.lock(service: "shop", environment: "prod", reason: "2h")
            ),
            (
                "/deploy", "freeze prod 90m release party",
                SlashCommand.freeze(scope: .environment("prod"), duration: 5400, reason: "release party")
            ),
            (
                "/deploy", "freeze ALL 1d holidays",
                SlashCommand.freeze(scope: .all, duration: 86_400, reason: "holidays")
            ),
            ("/deploy", "unfreeze prod", SlashCommand.unfreeze(scope: .environment("prod"))),
        ])
    func parses(command: String, text: String, expected: SlashCommand) throws {
        #expect(try CommandParser.parse(command: command, text: text) == expected)
    }

    @Test(
        "mistakes are explained",
        arguments: [
            ("shop prod main-1a2b3c4 --emergency", "needs a reason"),
            ("freeze prod soon release", "is not a duration"),
            ("freeze prod 2h", "Usage: `/deploy freeze"),
            ("unfreeze", "Usage: `/deploy unfreeze"),
        ])
    func explains(text: String, expected: String) {
        #expect {
            try CommandParser.parse(command: "/deploy", text: text)
        } throws: { error in
            (error as? CommandError)?.message.contains(expected) == true
        }
    }
}
