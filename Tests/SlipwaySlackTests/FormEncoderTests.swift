import SlipwaySlack
import Testing

@Suite("FormEncoder")
struct FormEncoderTests {
    @Test("encodes like Slack and round-trips through FormDecoder, non-ASCII included")
    func roundTrip() {
        #expect(FormEncoder.encode("shop prod main-1a2b3c4") == "shop+prod+main-1a2b3c4")
        #expect(FormEncoder.encode("/deploy") == "%2Fdeploy")
        #expect(FormEncoder.encode("é&=+") == "%C3%A9%26%3D%2B")
        let fields = [("text", "déploie shop & api"), ("command", "/deploy"), ("response_url", "https://x/y?z=1")]
        let decoded = FormDecoder.decode(FormEncoder.encode(fields))
        #expect(decoded.count == fields.count)
        for (name, value) in fields { #expect(decoded[name] == value) }
    }
}
