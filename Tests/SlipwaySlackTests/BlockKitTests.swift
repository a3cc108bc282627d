import Foundation
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct BlockKitTests {
    func object(_ message: SlackMessage) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(message.jsonBytes())) as? [String: Any])
    }

    func blocks(_ message: SlackMessage) throws -> [[String: Any]] {
        try #require(try object(message)["blocks"] as? [[String: Any]])
    }

    /// A message using every block kind, with untrusted text escaped as the bot must.
    static func deployMessage(author: String = "<!channel> look & see <@U999>") -> SlackMessage {
        let reason = SlackText.escape(author)
        return SlackMessage(
            text: "api deployed to prod by \(reason)",
            blocks: [
                .header("api → prod"),
                .section(
                    ":white_check_mark: *api* `main-4f2c1a9` is live in *prod* — \(SlackText.mention(userId: "U2147483697"))",
                    fields: ["*Service*\napi", "*Commit*\n\(reason)"],
                    accessory: SlackButton(text: "Runbook", actionId: "runbook.open", url: "https://runbooks.example/x")
                ),
                .divider,
                .context(["Requested by \(reason)", SlackText.link("https://ci.example/1?a=1&b=2", label: "CI run")]),
                .actions(
                    [
                        SlackButton(
                            text: "Roll back", actionId: "rollback.request", value: "dep_01HXYZ", style: .danger,
                            confirm: SlackConfirmDialog(
                                title: "Roll back api?", text: "prod goes back to main-1a2b3c4", confirm: "Roll back",
                                style: .danger)),
                        SlackButton(text: "Approve", actionId: "deploy.approve", value: "dep_01HXYZ", style: .primary),
                    ], blockId: "approval"),
            ], responseType: .inChannel)
    }

    @Test("the wire JSON reads back through SlackMessage's Codable conformance, every block kind and field")
    func wireJSONReadsBack() throws {
        for message in [
            Self.deployMessage(), SlackMessage.ephemeral("hi"), SlackMessage(text: "plain", blocks: []),
            SlackMessage(text: "replace", blocks: [.section("x")], responseType: .ephemeral, replaceOriginal: true),
        ] {
            #expect(try JSONDecoder().decode(SlackMessage.self, from: Data(message.jsonBytes())) == message)
        }
    }

    @Test func escapeNeutralisesControlSequences() {
        #expect(
            SlackText.escape("<!channel> & <@U123|bob> <https://evil|ok>")
                == "&lt;!channel&gt; &amp; &lt;@U123|bob&gt; &lt;https://evil|ok&gt;")
        #expect(SlackText.escape("plain text") == "plain text")
        #expect(SlackText.escape("&amp;") == "&amp;amp;")
    }

    @Test func userTextCannotMentionAnyoneInTheWireMessage() throws {
        let json = String(decoding: Self.deployMessage().jsonBytes(), as: UTF8.self)
        #expect(!json.contains("<!channel>"))
        #expect(!json.contains("<@U999>"))
        #expect(json.contains("&lt;!channel&gt; look &amp; see &lt;@U999&gt;"))
        #expect(json.contains("<@U2147483697>"))
    }

    @Test func mentionsAndLinksAreSafe() {
        #expect(SlackText.mention(userId: "U0APPROVER") == "<@U0APPROVER>")
        #expect(SlackText.mention(userId: "U1> <!here") == "U1&gt; &lt;!here")
        #expect(SlackText.mention(userId: "") == "")
        #expect(
            SlackText.link("https://x.example/a?b=1&c=2", label: "a <b>|c")
                == "<https://x.example/a?b=1&amp;c=2|a &lt;b&gt;¦c>")
        #expect(SlackText.link("https://x.example/a|b", label: "l") == "<https://x.example/a%7Cb|l>")
    }

    @Test func datesCarryAnISOFallbackAndUnescapeRoundTrips() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(SlackText.date(date, format: "{time}") == "<!date^1700000000^{time}|2023-11-14T22:13:20Z>")
        #expect(SlackText.date(date).hasPrefix("<!date^1700000000^{date_short_pretty} {time}|"))
        let text = "a <b> & <!here> &amp;lt;"
        #expect(SlackText.unescape(SlackText.escape(text)) == text)
    }

    @Test func longSectionTextIsCutWithAMarker() throws {
        let text = String(repeating: "x", count: 5000)
        let section = try #require(try blocks(SlackMessage(text: "t", blocks: [.section(text)])).first)
        let cut = try #require((section["text"] as? [String: Any])?["text"] as? String)
        #expect(cut.utf16.count == 3000)
        #expect(cut.hasSuffix("… (truncated)"))
        let exact = String(repeating: "y", count: 3000)
        guard case .section(let kept) = SlackBlock.section(exact) else { Issue.record("not a section"); return }
        #expect(kept.text == exact)
    }

    @Test func cuttingNeverSplitsAnEscapeOrAControlSequence() {
        let escaped = SlackText.escape(String(repeating: "a", count: 2984) + "&&&&&&&&&&&&&&&&&&&&")
        let cut = SlackText.truncate(escaped, to: 3000)
        #expect(cut.utf16.count <= 3000)
        let body = cut.dropLast("… (truncated)".count)
        #expect(body.hasSuffix("&amp;") || body.hasSuffix("a"))
        let mention = String(repeating: "b", count: 2980) + "<@U2147483697>"
        let cutMention = SlackText.truncate(mention, to: 2990)
        #expect(!cutMention.contains("<"))
        #expect(cutMention.hasSuffix("… (truncated)"))
    }

    @Test func emojiCountAgainstTheLimitByUTF16() {
        let rockets = String(repeating: "🚀", count: 2000)
        let cut = SlackText.truncate(rockets, to: 3000)
        #expect(cut.utf16.count <= 3000)
        #expect(cut.hasSuffix("… (truncated)"))
        #expect(cut.dropLast("… (truncated)".count).allSatisfy { $0 == "🚀" })
    }

    @Test func headerButtonAndConfirmTextsAreCut() throws {
        guard case .header(let header) = SlackBlock.header(String(repeating: "h", count: 200)) else {
            Issue.record("not a header")
            return
        }
        #expect(header.text.count == 150)
        #expect(header.text.hasSuffix("…"))
        let button = SlackButton(text: String(repeating: "b", count: 100), actionId: "a")
        #expect(button.text.count == 75)
        let dialog = SlackConfirmDialog(
            title: String(repeating: "t", count: 120), text: String(repeating: "x", count: 400),
            confirm: String(repeating: "c", count: 40), deny: String(repeating: "d", count: 40))
        #expect(dialog.title.count == 100)
        #expect(dialog.text.count == 300)
        #expect(dialog.confirm.count == 30)
        #expect(dialog.deny.count == 30)
    }

    @Test func sectionFieldsAndContextElementsAreCapped() {
        guard
            case .section(let section) = SlackBlock.fields(
                (1...12).map { "f\($0)" + String(repeating: "z", count: 2500) })
        else {
            Issue.record("not a section")
            return
        }
        #expect(section.fields.count == 10)
        #expect(section.fields.allSatisfy { $0.count == 2000 })
        guard case .context(let context) = SlackBlock.context((1...12).map { "c\($0)" }) else {
            Issue.record("not a context")
            return
        }
        #expect(context.elements == (1...10).map { "c\($0)" })
    }

    @Test func moreThanFiftyBlocksAreCutWithANote() throws {
        let many = (1...60).map { SlackBlock.section("item \($0)") }
        let message = SlackMessage(text: "60 items", blocks: many)
        #expect(message.blocks.count == 50)
        #expect(message.blocks[48] == .section("item 49"))
        #expect(message.blocks[49] == .context(["…11 more items not shown"]))
        #expect(BlockKitValidator.validate(json: message.jsonBytes()).isEmpty)
        #expect(SlackMessage(text: "50", blocks: Array(many.prefix(50))).blocks == Array(many.prefix(50)))
    }

    @Test func buttonValueAndActionIdAtTheirLimitsAreKept() {
        let button = SlackButton(
            text: "Go", actionId: String(repeating: "a", count: 255), value: String(repeating: "v", count: 2000))
        #expect(button.actionId.count == 255)
        #expect(button.value?.count == 2000)
    }

    @Test func oversizedActionIdTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = SlackButton(text: "Go", actionId: String(repeating: "a", count: 256))
        }
    }

    @Test func oversizedButtonValueTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = SlackButton(text: "Go", actionId: "go", value: String(repeating: "v", count: 2001))
        }
    }

    @Test func wireFormatOfEveryBlockKind() throws {
        let message = Self.deployMessage(author: "dana")
        let json = try object(message)
        #expect(json["text"] as? String == "api deployed to prod by dana")
        #expect(json["response_type"] as? String == "in_channel")
        #expect(json["replace_original"] == nil)
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "divider", "context", "actions"])
        let header = try #require(blocks[0]["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
        #expect(header["text"] as? String == "api → prod")
        let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
        #expect(fields.map { $0["type"] as? String } == ["mrkdwn", "mrkdwn"])
        let accessory = try #require(blocks[1]["accessory"] as? [String: Any])
        #expect(accessory["url"] as? String == "https://runbooks.example/x")
        let buttons = try #require(blocks[4]["elements"] as? [[String: Any]])
        #expect(blocks[4]["block_id"] as? String == "approval")
        #expect(buttons[0]["action_id"] as? String == "rollback.request")
        #expect(buttons[0]["value"] as? String == "dep_01HXYZ")
        #expect(buttons[0]["style"] as? String == "danger")
        let confirm = try #require(buttons[0]["confirm"] as? [String: Any])
        #expect((confirm["title"] as? [String: Any])?["text"] as? String == "Roll back api?")
        #expect((confirm["deny"] as? [String: Any])?["text"] as? String == "Cancel")
        #expect(confirm["style"] as? String == "danger")
        #expect(buttons[1]["style"] as? String == "primary")
        #expect(BlockKitValidator.validate(json).isEmpty)
    }

    @Test func jsonWriterAndEncoderAgree() throws {
        let message = Self.deployMessage()
        let written = try JSONSerialization.jsonObject(with: Data(message.jsonBytes())) as? NSDictionary
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(message)) as? NSDictionary
        #expect(written != nil)
        #expect(written == encoded)
    }

    @Test func codableRoundTrips() throws {
        let message = Self.deployMessage()
        let decoded = try JSONDecoder().decode(SlackMessage.self, from: Data(message.jsonBytes()))
        #expect(decoded == message)
        let ephemeral = SlackMessage.ephemeral("only you")
        #expect(try JSONDecoder().decode(SlackMessage.self, from: JSONEncoder().encode(ephemeral)) == ephemeral)
    }

    @Test func decodingRejectsWhatSlackWould() {
        let oversized =
            #"{"text":"t","blocks":[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"x"},"action_id":"\#(String(repeating: "a", count: 256))"}]}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SlackMessage.self, from: Data(oversized.utf8)) }
        let unknown = #"{"text":"t","blocks":[{"type":"video"}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SlackMessage.self, from: Data(unknown.utf8)) }
    }

    @Test func slashReplyShapes() throws {
        let json = try object(.ephemeral("Unknown service `apo`. Did you mean `api`?"))
        #expect(json["response_type"] as? String == "ephemeral")
        #expect(json["blocks"] == nil)
        var replace = SlackMessage(text: "Approved by <@U0APPROVER>")
        replace.replaceOriginal = true
        #expect(try object(replace)["replace_original"] as? Bool == true)
    }
}
