import SlipwaySlack
import Testing

@Suite struct SlashCommandPayloadTests {
    @Test func deployFixtureParses() throws {
        let payload = try SlashCommandPayload(formBody: Array(Fixtures.slashCommandDeploy.utf8))
        #expect(payload.teamId == "T0001")
        #expect(payload.enterpriseId == "E0001")
        #expect(payload.channelId == "C2147483705")
        #expect(payload.channelName == "deploys")
        #expect(payload.userId == "U2147483697")
        #expect(payload.userName == "Steve")
        #expect(payload.command == "/deploy")
        #expect(payload.text == "api prod main-4f2c1a9")
        #expect(payload.responseURL == "https://hooks.slack.com/commands/1234/5678/abcdef")
        #expect(payload.triggerId == "13345224609.738474920.8088930838d88f008e0")
        #expect(payload.apiAppId == "A123456")
    }

    @Test func signingExampleParsesWithoutOptionalFields() throws {
        let payload = try SlashCommandPayload(formBody: Array(Fixtures.signingExample.utf8))
        #expect(payload.command == "/webhook-collect")
        #expect(payload.text == "")
        #expect(payload.enterpriseId == nil)
        #expect(payload.apiAppId == nil)
    }

    @Test(arguments: ["team_id", "channel_id", "user_id", "command", "response_url", "trigger_id"])
    func missingRequiredFieldIsNamed(field: String) {
        var fields = FormDecoder.decode(Array(Fixtures.slashCommandDeploy.utf8))
        fields[field] = nil
        #expect(throws: SlackPayloadError.missingField(field)) { try SlashCommandPayload(fields: fields) }
        fields[field] = ""
        do {
            _ = try SlashCommandPayload(fields: fields)
            Issue.record("an empty \(field) was accepted")
        } catch {
            #expect(error.missingFieldName == field)
            #expect(error.reason == "missing field `\(field)`")
        }
    }

    @Test func missingTextMeansEmpty() throws {
        var fields = FormDecoder.decode(Array(Fixtures.slashCommandDeploy.utf8))
        fields["text"] = nil
        #expect(try SlashCommandPayload(fields: fields).text == "")
    }

    @Test func sslCheckIsDetected() {
        #expect(SlashCommandPayload.isSSLCheck(FormDecoder.decode(Array("ssl_check=1&token=x".utf8))))
        #expect(!SlashCommandPayload.isSSLCheck(FormDecoder.decode(Array(Fixtures.slashCommandDeploy.utf8))))
        #expect(!SlashCommandPayload.isSSLCheck(["ssl_check": "0"]))
    }
}

@Suite("SlashCommandPayload.parse")
struct SlashCommandParseTests {
    @Test("the one-pass parse reads what the field-by-field decoding reads")
    func agreesWithFormDecoding() throws {
        for fixture in [Fixtures.slashCommandDeploy, Fixtures.signingExample] {
            let body = Array(fixture.utf8)
            let expected = try SlashCommandPayload(fields: FormDecoder.decode(body))
            #expect(try SlashCommandPayload.parse(formBody: body) == .command(expected))
        }
    }

    @Test("ssl_check=1 is Slack's probe")
    func sslCheck() throws {
        #expect(try SlashCommandPayload.parse(formBody: Array("ssl_check=1&token=x".utf8)) == .sslCheck)
        #expect(throws: SlackPayloadError.missingField("team_id")) {
            try SlashCommandPayload.parse(formBody: Array("ssl_check=0&token=x".utf8))
        }
    }

    @Test("encoded names are decoded, values are decoded, and the first of a repeated field wins")
    func encodedNamesAndRepeats() throws {
        let body =
            "team%5Fid=T1&channel_id=C1&user_id=U1&user_id=U2&command=%2Fstatus&text=shop+prod%21"
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=1.2&channel_name&user%5fname=dana"
        guard case .command(let payload) = try SlashCommandPayload.parse(formBody: Array(body.utf8)) else {
            Issue.record("not parsed as a command")
            return
        }
        #expect(payload.teamId == "T1")
        #expect(payload.userId == "U1")
        #expect(payload.command == "/status")
        #expect(payload.text == "shop prod!")
        #expect(payload.responseURL == "https://hooks.slack.com/x")
        #expect(payload.channelName == "")
        #expect(payload.userName == "dana")
    }

    @Test("a missing or empty required field is named")
    func missingField() {
        #expect(throws: SlackPayloadError.missingField("trigger_id")) {
            try SlashCommandPayload.parse(
                formBody: Array("team_id=T&channel_id=C&user_id=U&command=%2Fdeploy&response_url=x&trigger_id=".utf8))
        }
        #expect(throws: SlackPayloadError.missingField("team_id")) { try SlashCommandPayload.parse(formBody: []) }
    }
}
