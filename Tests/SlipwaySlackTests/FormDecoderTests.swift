import SlipwaySlack
import Testing

@Suite struct FormDecoderTests {
    func decode(_ text: String) -> FormFields { FormDecoder.decode(Array(text.utf8)) }

    @Test func slashCommandFixtureDecodes() {
        let body = Array(Fixtures.slashCommandDeploy.utf8)
        #expect(body.count == 433)
        if let shared = Fixtures.sharedFixture("slash-command-deploy.txt") { #expect(shared == body) }
        let fields = FormDecoder.decode(body)
        #expect(fields["command"] == "/deploy")
        #expect(fields["text"] == "api prod main-4f2c1a9")
        #expect(fields["enterprise_name"] == "Globular Construct Inc")
        #expect(fields["response_url"] == "https://hooks.slack.com/commands/1234/5678/abcdef")
        #expect(fields["is_enterprise_install"] == "false")
        #expect(fields.count == 15)
    }

    @Test func signingExampleFixtureDecodes() {
        let fields = decode(Fixtures.signingExample)
        #expect(fields["command"] == "/webhook-collect")
        #expect(fields["text"] == "")
        #expect(fields["user_name"] == "roadrunner")
        #expect(
            fields["response_url"]
                == "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN")
        #expect(fields["trigger_id"] == "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    }

    @Test func plusIsSpaceAndEscapesDecodeInEitherCase() {
        let fields = decode("a=one+two&b=%2Fdeploy&c=%2fdeploy&d=a%2Bb&e=a%2bb&f=%20")
        #expect(fields["a"] == "one two")
        #expect(fields["b"] == "/deploy")
        #expect(fields["c"] == "/deploy")
        #expect(fields["d"] == "a+b")
        #expect(fields["e"] == "a+b")
        #expect(fields["f"] == " ")
    }

    @Test func namesAreDecodedToo() {
        #expect(decode("user%5Fid=U1&a+b=c")["user_id"] == "U1")
        #expect(decode("a+b=c")["a b"] == "c")
    }

    @Test func invalidEscapesAreKeptLiterally() {
        let fields = decode("a=100%&b=%zz&c=%4&d=%4g&e=%&f=50%25")
        #expect(fields["a"] == "100%")
        #expect(fields["b"] == "%zz")
        #expect(fields["c"] == "%4")
        #expect(fields["d"] == "%4g")
        #expect(fields["e"] == "%")
        #expect(fields["f"] == "50%")
    }

    @Test func utf8IsDecodedAndInvalidBytesBecomeReplacementCharacters() {
        let fields = decode("name=Ren%C3%A9e&emoji=%F0%9F%9A%80&bad=a%FFb&cut=%E2%82")
        #expect(fields["name"] == "Renée")
        #expect(fields["emoji"] == "🚀")
        #expect(fields["bad"] == "a\u{FFFD}b")
        #expect(fields["cut"] == "\u{FFFD}")
    }

    @Test func firstValueWinsAndPairsKeepAll() {
        #expect(decode("team_id=T1&team_id=T2")["team_id"] == "T1")
        let pairs = FormDecoder.decodePairs(Array("a=1&b=2&a=3".utf8))
        #expect(pairs.map(\.name) == ["a", "b", "a"])
        #expect(pairs.map(\.value) == ["1", "2", "3"])
    }

    @Test func structuralEdgeCases() {
        #expect(decode("").isEmpty)
        #expect(decode("&&a=1&&") == ["a": "1"])
        #expect(decode("flag") == ["flag": ""])
        #expect(decode("a=") == ["a": ""])
        #expect(decode("=x") == ["": "x"])
        #expect(decode("a=b=c") == ["a": "b=c"])
    }

    @Test func componentDecoding() {
        #expect(FormDecoder.decodeComponent("a+b%21") == "a b!")
    }
}
