import SlipwaySlack
import Testing

@Suite struct InteractionPayloadTests {
    func formBody(_ json: String) -> [UInt8] { Array("payload=\(FormEncoder.encode(json))".utf8) }

    func error(_ body: [UInt8]) -> SlackPayloadError? {
        do {
            _ = try InteractionPayload(formBody: body)
            return nil
        } catch {
            return error
        }
    }

    @Test func embeddedFixtureMatchesSharedFile() {
        if let shared = Fixtures.sharedFixture("block-actions-approve.json") {
            #expect(shared == Array(Fixtures.blockActionsApprove.utf8))
        }
    }

    @Test func blockActionsFixtureDecodesFromTheFormBody() throws {
        let body = formBody(Fixtures.blockActionsApprove)
        #expect(body.contains(UInt8(ascii: "+")))
        let payload = try InteractionPayload(formBody: body)
        #expect(payload.type == "block_actions")
        #expect(payload.team.id == "T0001")
        #expect(payload.user.id == "U0APPROVER")
        #expect(payload.user.username == "dana")
        #expect(payload.user.name == "dana")
        #expect(payload.apiAppId == "A123456")
        #expect(payload.channel?.id == "C2147483705")
        #expect(payload.channel?.name == "deploys")
        #expect(payload.container?.messageTs == "1700000000.000100")
        #expect(payload.container?.channelId == "C2147483705")
        #expect(payload.message?.ts == "1700000000.000100")
        #expect(payload.message?.text == "Rollback api prod to main-1a2b3c4?")
        #expect(payload.responseURL == "https://hooks.slack.com/actions/T0001/1232321423432/D09sSasdasdAS9091209")
        #expect(payload.triggerId == "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3")
        #expect(payload.actions.count == 1)
        let action = try #require(payload.firstAction)
        #expect(action.actionId == "rollback.approve")
        #expect(action.blockId == "approval")
        #expect(action.value == "OPAQUE-VALUE-SET-BY-THE-BOT")
        #expect(action.type == "button")
        #expect(action.actionTs == "1700000042.840180")
    }

    @Test func optionalPartsMayBeAbsent() throws {
        let json = #"{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"}}"#
        let payload = try InteractionPayload(json: Array(json.utf8))
        #expect(payload.channel == nil)
        #expect(payload.message == nil)
        #expect(payload.responseURL == nil)
        #expect(payload.actions.isEmpty)
    }

    @Test func missingPayloadFieldIsNamed() {
        #expect(error(Array("token=x&type=block_actions".utf8)) == .missingField("payload"))
        #expect(error(Array("payload=".utf8)) == .missingField("payload"))
        #expect(error([]) == .missingField("payload"))
    }

    @Test func invalidJSONIsMalformed() {
        let problem = error(formBody(#"{"type":"block_actions","#))
        #expect(problem == .malformed("payload is not valid JSON"))
        #expect(error(formBody("not json")) == .malformed("payload is not valid JSON"))
    }

    @Test func nonObjectIsMalformed() {
        #expect(error(formBody("[1,2]"))?.reason == "payload is not a JSON object")
    }

    @Test func missingNestedFieldsAreNamedByPath() {
        #expect(error(formBody(#"{"team":{"id":"T1"},"user":{"id":"U1"}}"#)) == .missingField("type"))
        #expect(error(formBody(#"{"type":"block_actions","team":{"id":"T1"},"user":{}}"#)) == .missingField("user.id"))
        let noActionId = #"""
            {"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"},"actions":[{"type":"button","value":"v"}]}
            """#
        #expect(error(formBody(noActionId)) == .missingField("actions[0].action_id"))
        let nullTeam = #"{"type":"block_actions","team":null,"user":{"id":"U1"}}"#
        #expect(error(formBody(nullTeam))?.missingFieldName == "team")
    }

    @Test func wrongTypeIsMalformedAndNamesTheField() {
        let problem = error(formBody(#"{"type":"block_actions","team":{"id":"T1"},"user":"U1"}"#))
        #expect(problem?.reason == "field `user` has the wrong type")
        #expect(problem?.missingFieldName == nil)
    }
}
