import SlipwayHTTP
import Testing

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test("names match in any ASCII case, and only letters fold")
    func caseInsensitiveLookup() {
        var headers: HTTPHeaders = ["x-slack-SIGNATURE": "v0=abc", "Content-Type": "text/plain", "A[": "bracket"]
        #expect(headers["X-Slack-Signature"] == "v0=abc")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["content-typ"] == nil)
        #expect(headers["content-typf"] == nil)
        #expect(headers["A["] == "bracket")
        #expect(headers["a{"] == nil)
        #expect(headers["A{"] == nil)
        headers.replace(name: "content-type", value: "application/json")
        #expect(headers["Content-Type"] == "application/json")
        #expect(headers.fields.count == 3)
        #expect(headers.withValue("x-slack-signature") { String(decoding: $0, as: UTF8.self) } == "v0=abc")
        #expect(headers.withValue("X-Missing") { $0.count } == nil)
    }
}
