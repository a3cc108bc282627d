import DeployCore
import Foundation
import SlipwaySlack
import Testing

@testable import SlipwayApp

@Suite("What an outbox entry stores")
struct OutboxPayloadTests {
    @Test("every payload reads back as written: a deploy, a user, a channel, a whole message with buttons")
    func readsBack() throws {
        let message = SlackMessage(
            text: "shop → prod: \"quoted\" \\ back\\slash, ünïcode 🚢, a\ttab",
            blocks: [
                .header("shop → prod"),
                .section("📝 Writing `main-1a2b3c4` to the GitOps repository", fields: ["*Service*\nshop"]),
                .context(["Requested by <@U0ALICE>"]),
                .actions([
                    SlackButton(
                        text: "Roll back", actionId: "rollback.request", value: "d-1", style: .danger,
                        confirm: SlackConfirmDialog(title: "Roll back?", text: "shop goes back", confirm: "Roll back"))
                ]),
            ], responseType: .inChannel, replaceOriginal: false)
        for payload in [
            OutboxPayload(deployId: "d-1"), OutboxPayload(deployId: "d-1", user: "U0ONCALL"),
            OutboxPayload(user: "U0ALICE", channel: "C0DEPLOYS", message: message),
            OutboxPayload(deployId: "d-1", message: SlackMessage(text: "")), OutboxPayload(),
        ] {
            #expect(try OutboxPayload.decode(payload.encoded()) == payload)
        }
        // Entries an earlier Slipway stored (JSONEncoder, sorted keys) still read.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let stored = OutboxPayload(deployId: "d-2", message: message)
        let old = String(decoding: try encoder.encode(stored), as: UTF8.self)
        #expect(try OutboxPayload.decode(old) == stored)
    }

    @Test("a thread log step's notification text has no mrkdwn emphasis, and everything else intact")
    func plainText() {
        #expect(
            DeployMessageRenderer.plain("📝 Writing `main-1a2b3c4` to *the* GitOps repository — ünïcode")
                == "📝 Writing main-1a2b3c4 to the GitOps repository — ünïcode")
        #expect(DeployMessageRenderer.plain("nothing to strip") == "nothing to strip")
        #expect(DeployMessageRenderer.plain("**``") == "")
    }
}
