import DeployCore
import Foundation
import SlipwayApp
import SlipwayTesting
import Testing

@Suite("Configured command names in Slack replies", .harnessScope)
struct CommandNamesTests {
    /// A harness whose workspace registered `/ship`, `/unship` and `/ship-status`.
    func harness() throws -> SlipwayHarness {
        try SlipwayHarness(adjust: { json in
            var slack = json["slack"] as! [String: Any]
            slack["commands"] = ["deploy": "/ship", "rollback": "/unship", "status": "/ship-status"]
            json["slack"] = slack
        })
    }

    /// True when `text` names none of the default commands a user could not type in this workspace.
    func namesNoDefault(_ text: String) -> Bool {
        !text.contains("`/deploy") && !text.contains("`/rollback") && !text.contains("`/status")
    }

    @Test("status, help, usage and unknown-service replies name the configured commands")
    func replies() async throws {
        let h = try harness()
        let status = try await h.reply("/ship-status")
        #expect(status.type == "ephemeral")
        #expect(status.text.contains("`/ship-status &lt;service&gt; [env]` for history"))
        #expect(status.text.contains("`/ship help`"))
        #expect(namesNoDefault(status.text))
        // `/ship status` and `/ship stats` answer like the status command.
        #expect(try await h.reply("/ship status").text == status.text)
        #expect(try await h.reply("/ship stats").text.contains("Last 90 days"))
        for line in ["/ship help", "/unship help", "/ship-status help", "/ship", "/unship shop", "/ship-status shpo"] {
            let reply = try await h.reply(line)
            #expect(namesNoDefault(reply.text), "\(line): \(reply.text)")
        }
        #expect(
            try await h.reply("/ship help").text.contains("`/ship lock &lt;service&gt; &lt;env&gt; &lt;reason&gt;`"))
        #expect(try await h.reply("/ship-status shpo").text.contains("Try `/ship-status` for the list."))
        // A command the workspace did not register for Slipway is refused with the ones it did.
        #expect(try await h.reply("/deploy shop staging").text.contains("Use `/ship`, `/unship` or `/ship-status`."))
    }

    @Test("a legacy /status is still answered")
    func legacyStatus() async throws {
        let h = try harness()
        let reply = try await h.reply("/status shop")
        #expect(reply.type == "ephemeral")
        #expect(reply.text.contains("staging"))
    }

    @Test("a deploy's acknowledgement and a lock name the configured commands")
    func deployAndLock() async throws {
        let h = try harness()
        let deployed = try await h.reply("/ship shop staging main-1a2b3c4")
        #expect(deployed.text.contains("or with `/ship-status shop staging`"), "\(deployed.text)")
        let locked = try await h.reply("/ship lock shop prod migration")
        #expect(locked.text.contains("blocked until `/ship unlock shop prod`"), "\(locked.text)")
        #expect(namesNoDefault(deployed.text) && namesNoDefault(locked.text))
    }
}
