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

@Suite("SlashCommandForm")
struct SlashCommandFormTests {
    @Test("the three fields the ack path reads agree with the full payload")
    func fieldsAgreeWithPayload() throws {
        for fixture in [Fixtures.slashCommandDeploy, Fixtures.signingExample] {
            let form = SlashCommandForm(formBody: Array(fixture.utf8))
            let payload = try form.payload()
            try form.validate()
            #expect(!form.isSSLCheck)
            #expect(form.teamId == payload.teamId)
            #expect(form.command == payload.command)
            #expect(form.text == payload.text)
        }
    }

    @Test("encoded names and values are decoded; the first of a repeated field wins; absent fields read empty")
    func decodingAndRepeats() throws {
        let form = SlashCommandForm(
            formBody: Array("team%5Fid=T1&command=%2Fstatus&text=shop+prod%21&text=evil&channel_id=C".utf8))
        #expect(form.teamId == "T1")
        #expect(form.command == "/status")
        #expect(form.text == "shop prod!")
        #expect(SlashCommandForm(formBody: Array("command=%2Fstatus".utf8)).text == "")
        #expect(throws: SlackPayloadError.missingField("user_id")) { try form.validate() }
    }

    @Test("every field Slipway keeps is found by its wire name, and near-misses are ignored")
    func everyFieldIsFound() throws {
        let body =
            "team_id=T1&enterprise_id=E1&channel_id=C1&channel_name=deploys&user_id=U1&user_name=dana"
            + "&command=%2Fdeploy&text=shop+prod&response_url=https%3A%2F%2Fx&trigger_id=1.2&api_app_id=A1"
            + "&team_ix=no&tex=no&texts=no&user_idd=no"
        let payload = try SlashCommandForm(formBody: Array(body.utf8)).payload()
        #expect(
            payload
                == SlashCommandPayload(
                    teamId: "T1", enterpriseId: "E1", channelId: "C1", channelName: "deploys", userId: "U1",
                    userName: "dana", command: "/deploy", text: "shop prod", responseURL: "https://x",
                    triggerId: "1.2", apiAppId: "A1"))
        #expect(!SlashCommandForm(formBody: Array("ssl_checl=1".utf8)).isSSLCheck)
    }

    @Test("validation names the first required field that is missing or empty, in the documented order")
    func validationOrder() {
        let cases: [(String, String)] = [
            ("", "team_id"),
            ("team_id=T&user_id=U", "channel_id"),
            ("team_id=T&channel_id=C&user_id", "user_id"),
            ("team_id=T&channel_id=C&user_id=U&response_url=x&trigger_id=t", "command"),
            ("team_id=T&channel_id=C&user_id=U&command=%2Fstatus&trigger_id=t", "response_url"),
            ("team_id=T&channel_id=C&user_id=U&command=%2Fstatus&response_url=x&trigger_id=", "trigger_id"),
        ]
        for (body, field) in cases {
            #expect(throws: SlackPayloadError.missingField(field)) {
                try SlashCommandForm(formBody: Array(body.utf8)).validate()
            }
        }
    }

    @Test("ssl_check=1 (or its encoded form) is Slack's probe; other values are not")
    func sslCheck() {
        #expect(SlashCommandForm(formBody: Array("ssl_check=1&token=x".utf8)).isSSLCheck)
        #expect(SlashCommandForm(formBody: Array("ssl_check=%31".utf8)).isSSLCheck)
        #expect(!SlashCommandForm(formBody: Array("ssl_check=0".utf8)).isSSLCheck)
        #expect(!SlashCommandForm(formBody: Array("ssl_check".utf8)).isSSLCheck)
    }
}
