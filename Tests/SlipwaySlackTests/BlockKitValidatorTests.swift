import Foundation
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct BlockKitValidatorTests {
    func problems(_ json: String) -> [String] { BlockKitValidator.validate(json: Array(json.utf8)) }

    func button(_ extra: String = "", text: String = "Go") -> String {
        #"{"type":"button","text":{"type":"plain_text","text":"\#(text)"},"action_id":"go"\#(extra)}"#
    }

    @Test func builtMessagesAreValid() {
        #expect(BlockKitValidator.validate(json: BlockKitTests.deployMessage().jsonBytes()) == [])
        #expect(BlockKitValidator.validate(json: SlackMessage.ephemeral("hi").jsonBytes()) == [])
    }

    @Test func acceptsAHandWrittenValidMessage() {
        #expect(
            problems(#"{"text":"t","blocks":[{"type":"divider"},{"type":"actions","elements":[\#(button())]}]}"#) == [])
    }

    @Test func rejectsNonMessages() {
        #expect(problems("nope") == ["not valid JSON"])
        #expect(problems("[]") == ["message is not a JSON object"])
        #expect(problems("{}") == ["text: is required when there are no blocks"])
        #expect(
            problems(#"{"text":"t","response_type":"public"}"#)
                == [#"response_type: must be "ephemeral" or "in_channel""#])
    }

    @Test func rejectsUnknownBlocksAndElements() {
        #expect(problems(#"{"blocks":[{"type":"video"}]}"#) == [#"blocks[0].type: unknown block type "video""#])
        #expect(problems(#"{"blocks":[{"text":{"type":"mrkdwn","text":"x"}}]}"#) == ["blocks[0].type: is required"])
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[{"type":"datepicker"}]}]}"#)
                == [#"blocks[0].elements[0].type: unknown element type "datepicker""#])
    }

    @Test func rejectsTooManyBlocks() {
        let blocks = Array(repeating: #"{"type":"divider"}"#, count: 51).joined(separator: ",")
        #expect(problems(#"{"blocks":[\#(blocks)]}"#) == ["blocks: has 51 blocks; at most 50 allowed"])
    }

    @Test func rejectsOverlongTexts() {
        let long = String(repeating: "x", count: 3001)
        #expect(
            problems(#"{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"\#(long)"}}]}"#)
                == ["blocks[0].text.text: is 3001 characters; at most 3000 allowed"])
        let header = String(repeating: "h", count: 151)
        #expect(
            problems(#"{"blocks":[{"type":"header","text":{"type":"plain_text","text":"\#(header)"}}]}"#)
                == ["blocks[0].text.text: is 151 characters; at most 150 allowed"])
        #expect(
            problems(
                #"{"blocks":[{"type":"actions","elements":[\#(button(text: String(repeating: "b", count: 76)))]}]}"#)
                == ["blocks[0].elements[0].text.text: is 76 characters; at most 75 allowed"])
    }

    @Test func rejectsOverlongButtonFields() {
        let value = String(repeating: "v", count: 2001)
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[\#(button(#","value":"\#(value)""#))]}]}"#)
                == ["blocks[0].elements[0].value: is 2001 characters; at most 2000 allowed"])
        let actionId = String(repeating: "a", count: 256)
        let tooLongId = #"{"type":"button","text":{"type":"plain_text","text":"x"},"action_id":"\#(actionId)"}"#
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[\#(tooLongId)]}]}"#)
                == ["blocks[0].elements[0].action_id: is 256 characters; at most 255 allowed"])
    }

    @Test func rejectsMissingRequiredParts() {
        #expect(problems(#"{"blocks":[{"type":"section"}]}"#) == ["blocks[0]: a section needs text or fields"])
        #expect(
            problems(#"{"blocks":[{"type":"context","elements":[]}]}"#)
                == ["blocks[0].elements: must be a non-empty array"])
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[{"type":"button","action_id":"a"}]}]}"#)
                == ["blocks[0].elements[0].text: is required"])
        #expect(problems(#"{"blocks":[{"type":"header"}]}"#) == ["blocks[0].text: is required"])
        #expect(
            problems(#"{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":""}}]}"#)
                == ["blocks[0].text.text: must not be empty"])
    }

    @Test func rejectsWrongTextTypesAndStyles() {
        #expect(
            problems(#"{"blocks":[{"type":"header","text":{"type":"mrkdwn","text":"h"}}]}"#)
                == ["blocks[0].text.type: must be plain_text"])
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[\#(button(#","style":"green""#))]}]}"#)
                == [#"blocks[0].elements[0].style: must be "primary" or "danger""#])
        let confirm = #","confirm":{"title":{"type":"plain_text","text":"t"},"text":{"type":"plain_text","text":"x"}}"#
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[\#(button(confirm))]}]}"#)
                == [
                    "blocks[0].elements[0].confirm.confirm: is required",
                    "blocks[0].elements[0].confirm.deny: is required",
                ])
    }

    @Test func rejectsDuplicateIds() {
        let twice = #"{"blocks":[{"type":"divider","block_id":"b"},{"type":"divider","block_id":"b"}]}"#
        #expect(problems(twice) == [#"blocks[1].block_id: repeats "b""#])
        #expect(
            problems(#"{"blocks":[{"type":"actions","elements":[\#(button()),\#(button())]}]}"#)
                == [#"blocks[0].elements[1].action_id: repeats "go" within the block"#])
    }
}
