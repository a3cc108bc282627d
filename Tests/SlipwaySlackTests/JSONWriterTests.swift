import Foundation
import SlipwaySlack
import Testing

@Suite struct JSONWriterTests {
    @Test func escapesStringsCorrectly() throws {
        let tricky =
            "quote \" backslash \\ slash / newline \n tab \t cr \r nul \u{0} bell \u{7} unit \u{1F} é 🚀 \u{2028}"
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("s", tricky)
        writer.field("k \"x\"", "v")
        writer.endObject()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(
            text.contains(
                #""quote \" backslash \\ slash / newline \n tab \t cr \r nul \u0000 bell \u0007 unit \u001f é 🚀"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: String])
        #expect(object["s"] == tricky)
        #expect(object["k \"x\""] == "v")
    }

    @Test func writesNestedStructuresWithCommas() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("a", 1)
        writer.field("b", true as Bool?)
        writer.field("skipped", nil as String?)
        writer.key("list")
        writer.beginArray()
        writer.int(1)
        writer.string("two")
        writer.beginObject()
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.null()
        writer.endArray()
        writer.field("map", ["z": "1", "a": "2"])
        writer.endObject()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"{"a":1,"b":true,"list":[1,"two",{},[],null],"map":{"a":"2","z":"1"}}"#)
    }

    @Test func quotedLiteral() {
        #expect(JSONWriter.quoted("a\"b") == #""a\"b""#)
    }
}
