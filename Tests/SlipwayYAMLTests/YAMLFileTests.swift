import Testing

@testable import SlipwayYAML

@Suite struct YAMLFileTests {
    private func parse(_ text: String) throws -> YAMLFile { try YAMLFile(text: text, path: "test.yaml") }

    @Test func readsBlockAndFlowCollections() throws {
        let file = try parse(
            """
            images:
              - name: shop
                newTag: "1.0"
              - {name: api, newTag: '2.0'}
            tags: [a, "b", 'c']

            """)
        let root = try #require(file.documents.first?.root)
        let images = try #require(root["images"]?.sequence)
        #expect(images.style == .block)
        #expect(images.items.count == 2)
        #expect(images.items[0]["newTag"]?.scalar?.value == "1.0")
        #expect(images.items[0]["newTag"]?.scalar?.style == .doubleQuoted)
        #expect(images.items[1].mapping?.style == .flow)
        #expect(images.items[1]["newTag"]?.scalar?.style == .singleQuoted)
        #expect(root["tags"]?.sequence?.items.compactMap { $0.scalar?.value } == ["a", "b", "c"])
        #expect(root["tags"]?.sequence?.style == .flow)
    }

    @Test func resolvesAnchorsAndAliases() throws {
        let file = try parse("base: &tag v1\nother: *tag\nlist: &l [x, y]\ncopy: *l\n")
        let root = try #require(file.documents.first?.root)
        let base = try #require(root["base"]?.scalar)
        #expect(base.value == "v1")
        #expect(base.anchor == "tag")
        #expect(!base.throughAlias)
        // The anchored scalar's bytes are the value only, not `&tag `.
        #expect(String(decoding: file.bytes[base.byteRange], as: UTF8.self) == "v1")
        let other = try #require(root["other"]?.scalar)
        #expect(other.value == "v1")
        #expect(other.throughAlias)
        #expect(root["copy"]?.sequence?.items.compactMap { $0.scalar?.value } == ["x", "y"])
    }

    @Test func undefinedAliasIsAnError() throws {
        let error = try #require(throws: YAMLError.self) { try parse("a: 1\nb: *missing\n") }
        #expect(error.code == .undefinedAlias)
        #expect(error.line == 2)
        #expect(error.column == 4)
        #expect(error.description.contains("test.yaml line 2, column 4"))
    }

    @Test func readsBlockScalars() throws {
        let file = try parse("script: |\n  line one\n  line two\nfolded: >\n  a\n  b\nafter: x\n")
        let root = try #require(file.documents.first?.root)
        #expect(root["script"]?.scalar?.value == "line one\nline two\n")
        #expect(root["script"]?.scalar?.style == .literal)
        #expect(root["folded"]?.scalar?.value == "a b\n")
        #expect(root["folded"]?.scalar?.style == .folded)
        #expect(root["after"]?.scalar?.value == "x")
    }

    @Test func decodesEscapes() throws {
        let file = try parse(#"a: "\x41\u00e9\t\"q\"\\""# + "\nb: 'it''s'\n")
        let root = try #require(file.documents.first?.root)
        #expect(root["a"]?.scalar?.value == "Aé\t\"q\"\\")
        #expect(root["b"]?.scalar?.value == "it's")
    }

    @Test func readsEveryDocument() throws {
        let file = try parse("---\nkind: A\n---\nkind: B\n...\n---\n# only a comment\n")
        #expect(file.documents.count == 3)
        #expect(file.documents[0].root?["kind"]?.scalar?.value == "A")
        #expect(file.documents[1].root?["kind"]?.scalar?.value == "B")
        #expect(file.documents[1].explicitEnd)
        #expect(file.documents[2].root?.scalar?.isNull == true)
        #expect(file.documents[1].root?["kind"]?.scalar?.start.line == 4)
    }

    @Test func emptyFileHasNoDocuments() throws {
        #expect(try parse("").documents.isEmpty)
        #expect(try parse("# nothing\n").documents.isEmpty)
    }

    @Test func marksAreBytesNotCharacters() throws {
        // libyaml counts its mark index in characters: `é` is one character but two bytes, and a byte order
        // mark is not counted at all.
        let text = "\u{FEFF}note: \"héllo\"\r\ntag: v1 # comment\r\n"
        let file = try parse(text)
        let root = try #require(file.documents.first?.root)
        let note = try #require(root["note"]?.scalar)
        let tag = try #require(root["tag"]?.scalar)
        #expect(String(decoding: file.bytes[note.byteRange], as: UTF8.self) == "\"héllo\"")
        #expect(String(decoding: file.bytes[tag.byteRange], as: UTF8.self) == "v1")
        #expect(tag.start.line == 2)
        #expect(tag.start.column == 6)
        #expect(note.start.column == 7)
    }

    @Test func syntaxErrorsCarryLineColumnAndLibyamlsProblem() throws {
        let error = try #require(throws: YAMLError.self) {
            try parse("images:\n  - name: shop\n   newTag: [1, 2\n")
        }
        #expect(error.code == .syntax)
        #expect(error.line != nil && error.column != nil)
        #expect(!error.problem.isEmpty)
        let second = try #require(throws: YAMLError.self) { try parse("a: 1\n---\nb: [\n") }
        #expect(second.line == 4)
        #expect(second.description.hasPrefix("test.yaml line 4"))
    }

    @Test func invalidUTF8IsAReaderErrorWithAPosition() throws {
        let error = try #require(throws: YAMLError.self) {
            try YAMLFile(bytes: Array("a: 1\nb: ".utf8) + [0xFF] + Array("\n".utf8), path: "bad.yaml")
        }
        #expect(error.line == 2)
        #expect(error.column == 4)
    }

    @Test func refusesDeepNestingAndAliasBombs() throws {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        #expect(throws: YAMLError.self) { try parse(deep) }
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let error = try #require(throws: YAMLError.self) { try parse(bomb) }
        #expect(error.code == .tooComplex)
    }

    @Test func pathLookup() throws {
        let file = try parse("spec:\n  values:\n    image:\n      tag: \"1.2.3\"\n")
        let root = try #require(file.documents.first?.root)
        #expect(root.node(atPath: ["spec", "values", "image", "tag"])?.scalar?.value == "1.2.3")
        #expect(root.node(atPath: ["spec", "nothing"]) == nil)
    }
}
