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
