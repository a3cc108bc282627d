import Testing

@testable import SlipwayYAML

@Suite struct YAMLReplaceTests {
    private func replace(_ text: String, key: String, with value: String) throws -> String {
        let file = try YAMLFile(text: text, path: "test.yaml")
        let scalar = try #require(
            file.documents.first?.root?.node(atPath: key.split(separator: ".").map(String.init))?.scalar)
        return try file.replacingScalar(at: scalar, with: value).text
    }

    @Test func keepsEachQuotingStyle() throws {
        let text = "a: v1 # keep\nb: 'v1'\nc: \"v1\"\n"
        #expect(try replace(text, key: "a", with: "v2") == "a: v2 # keep\nb: 'v1'\nc: \"v1\"\n")
        #expect(try replace(text, key: "b", with: "it's") == "a: v1 # keep\nb: 'it''s'\nc: \"v1\"\n")
        #expect(try replace(text, key: "c", with: "say \"hi\"") == "a: v1 # keep\nb: 'v1'\nc: \"say \\\"hi\\\"\"\n")
    }

    @Test func plainValuesThatWouldReadAsSomethingElseAreQuoted() throws {
        #expect(try replace("tag: v1\n", key: "tag", with: "1.10") == "tag: \"1.10\"\n")
        #expect(try replace("tag: v1\n", key: "tag", with: "yes") == "tag: \"yes\"\n")
        #expect(try replace("tag: v1\n", key: "tag", with: "a: b") == "tag: \"a: b\"\n")
        #expect(try replace("tag: v1\n", key: "tag", with: "") == "tag: \"\"\n")
    }

    @Test func fillsAnEmptyValue() throws {
        #expect(try replace("tag:\nother: x\n", key: "tag", with: "v2") == "tag: v2\nother: x\n")
        #expect(try replace("tag: # none yet\n", key: "tag", with: "v2") == "tag: v2 # none yet\n")
        #expect(try replace("m: {tag: , x: 1}\n", key: "m.tag", with: "v2") == "m: {tag: v2, x: 1}\n")
    }

    @Test func keepsCRLFAndEverythingElse() throws {
        let text =
            "\u{FEFF}# head\r\nspec:\r\n  image: &img\r\n    tag: \"héllo\" # {\"$imagepolicy\": \"flux-system:shop:tag\"}\r\n"
        let edited = try replace(text, key: "spec.image.tag", with: "wörld")
        #expect(
            edited
                == "\u{FEFF}# head\r\nspec:\r\n  image: &img\r\n    tag: \"wörld\" # {\"$imagepolicy\": \"flux-system:shop:tag\"}\r\n"
        )
    }

    @Test func editsAnAnchoredValueButNotThroughAnAlias() throws {
        let text = "a: &t v1\nb: *t\n"
        #expect(try replace(text, key: "a", with: "v2") == "a: &t v2\nb: *t\n")
        let error = try #require(throws: YAMLError.self) { try replace(text, key: "b", with: "v2") }
        #expect(error.code == .notEditable)
        #expect(error.line == 1)
    }

    @Test func taggedValuesKeepTheirTag() throws {
        #expect(try replace("tag: !!str 1.0\n", key: "tag", with: "2.0") == "tag: !!str \"2.0\"\n")
    }

    @Test func refusesBlockScalars() throws {
        let error = try #require(throws: YAMLError.self) { try replace("a: |\n  x\n", key: "a", with: "y") }
        #expect(error.code == .notEditable)
        #expect(error.line == 1)
        #expect(error.column == 4)
    }

    @Test func editsInLaterDocuments() throws {
        let text = "kind: A\n---\nkind: B\ntag: v1\n"
        let file = try YAMLFile(text: text, path: "test.yaml")
        let scalar = try #require(file.documents[1].root?["tag"]?.scalar)
        #expect(try file.replacingScalar(at: scalar, with: "v2").text == "kind: A\n---\nkind: B\ntag: v2\n")
    }

    @Test func anEditThatBreaksTheFileFailsWithLineAndColumn() throws {
        let file = try YAMLFile(text: "a: 1\nb: 2\n", path: "test.yaml")
        let error = try #require(throws: YAMLError.self) {
            try file.replacingBytes(5..<5, with: Array("c: [\n".utf8))
        }
        #expect(error.code == .editBreaksFile)
        #expect(error.line != nil)
        #expect(error.description.contains("test.yaml line"))
    }
}
