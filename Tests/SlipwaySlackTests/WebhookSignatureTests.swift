import SlipwaySlack
import Testing

@Suite struct WebhookSignatureTests {
    let body = Array(#"{"repo":"acme/api","sha":"4f2c1a9","tag":"main-4f2c1a9","env":"staging"}"#.utf8)
    let secret = "ci-webhook-secret"

    @Test func signMatchesRFC4231TestCase2() {
        let signature = WebhookSignature.sign(body: Array("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(signature == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func signedBodyVerifies() {
        let header = WebhookSignature.sign(body: body, secret: secret)
        #expect(header.hasPrefix("sha256="))
        #expect(WebhookSignature.verify(header: header, body: body, secret: secret))
    }

    @Test func hexAndPrefixAreAcceptedInEitherCase() {
        let header = WebhookSignature.sign(body: body, secret: secret)
        #expect(WebhookSignature.verify(header: header.uppercased(), body: body, secret: secret))
        #expect(
            WebhookSignature.verify(header: "sha256=" + header.dropFirst(7).uppercased(), body: body, secret: secret))
    }

    @Test func forgeriesAreRejected() {
        let header = WebhookSignature.sign(body: body, secret: secret)
        #expect(!WebhookSignature.verify(header: nil, body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: "", body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: String(header.dropFirst(7)), body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: "sha1=" + header.dropFirst(7), body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: String(header.dropLast()), body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: header + "0", body: body, secret: secret))
        #expect(!WebhookSignature.verify(header: header, body: body + [0x20], secret: secret))
        #expect(!WebhookSignature.verify(header: header, body: body, secret: "other-secret"))
        let nonHex = "sha256=" + String(repeating: "g", count: 64)
        #expect(!WebhookSignature.verify(header: nonHex, body: body, secret: secret))
    }
}
