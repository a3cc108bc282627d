import SlipwayHTTP
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite struct SlackRequestVerifierTests {
    let body = Array(Fixtures.signingExample.utf8)

    func verifier(now: Int64 = Fixtures.signingTimestamp, teamId: String? = nil) -> SlackRequestVerifier {
        SlackRequestVerifier(signingSecret: Fixtures.signingSecret, clock: { now }, teamId: teamId)
    }

    func headers(signature: String? = Fixtures.signingSignature, timestamp: String? = "1531420618") -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let timestamp { headers.add(name: "X-Slack-Request-Timestamp", value: timestamp) }
        if let signature { headers.add(name: "X-Slack-Signature", value: signature) }
        return headers
    }

    func rejection(_ headers: HTTPHeaders, body: [UInt8]? = nil, now: Int64 = Fixtures.signingTimestamp)
        -> SlackVerificationError?
    {
        do {
            try verifier(now: now).verify(headers: headers, body: body ?? self.body)
            return nil
        } catch {
            return error
        }
    }

    @Test func embeddedFixtureMatchesSharedFile() throws {
        #expect(body.count == 362)
        if let shared = Fixtures.sharedFixture("signing-example.txt") { #expect(shared == body) }
    }

    @Test func slacksPublishedExampleVerifies() throws {
        try verifier().verify(headers: headers(), body: body)
        #expect(verifier().sign(body: body, timestamp: Fixtures.signingTimestamp) == Fixtures.signingSignature)
    }

    @Test func signedHeadersVerify() throws {
        let signed = verifier().signedHeaders(body: body, timestamp: Fixtures.signingTimestamp)
        #expect(signed["x-slack-signature"] == Fixtures.signingSignature)
        #expect(signed["x-slack-request-timestamp"] == "1531420618")
        try verifier().verify(headers: signed, body: body)
    }

    @Test func headerNamesAreCaseInsensitive() throws {
        let lower: HTTPHeaders = [
            "x-slack-request-timestamp": "1531420618", "x-slack-signature": Fixtures.signingSignature,
        ]
        try verifier().verify(headers: lower, body: body)
        let upper: HTTPHeaders = [
            "X-SLACK-REQUEST-TIMESTAMP": "1531420618", "X-SLACK-SIGNATURE": Fixtures.signingSignature,
        ]
        try verifier().verify(headers: upper, body: body)
    }

    @Test func missingSignatureIsRejected() {
        #expect(rejection(headers(signature: nil)) == .missingSignature)
    }

    @Test func missingTimestampIsRejected() {
        #expect(rejection(headers(timestamp: nil)) == .missingTimestamp)
    }

    @Test(arguments: [
        "", "abc", "-1531420618", "+1531420618", " 1531420618", "1531420618 ", "1531420618.0",
        "1e9", "0x5b4", "1531420618153142061815",
    ])
    func nonNumericTimestampIsRejected(timestamp: String) {
        #expect(rejection(headers(timestamp: timestamp)) == .malformedTimestamp)
    }

    @Test func timestampWindowIsFiveMinutesBothWays() {
        let ts = Fixtures.signingTimestamp
        #expect(rejection(headers(), now: ts + 300) == nil)
        #expect(rejection(headers(), now: ts - 300) == nil)
        #expect(rejection(headers(), now: ts + 301) == .staleTimestamp)
        #expect(rejection(headers(), now: ts + 86_400) == .staleTimestamp)
        #expect(rejection(headers(), now: ts - 301) == .futureTimestamp)
    }

    @Test func staleCheckUsesTheInjectedClock() throws {
        let clock = TestClock(unixSeconds: Fixtures.signingTimestamp)
        let verifier = SlackRequestVerifier(signingSecret: Fixtures.signingSecret, clock: clock.unixSecondsSource)
        try verifier.verify(headers: headers(), body: body)
        clock.advance(by: 301)
        #expect(throws: SlackVerificationError.staleTimestamp) { try verifier.verify(headers: headers(), body: body) }
        clock.advance(by: .seconds(-602))
        #expect(throws: SlackVerificationError.futureTimestamp) { try verifier.verify(headers: headers(), body: body) }
    }

    @Test(arguments: [
        "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5033",
        "v0=z2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v0=", "",
    ])
    func malformedSignatureIsRejected(signature: String) {
        #expect(rejection(headers(signature: signature)) == .malformedSignature)
    }

    @Test func wrongSignatureIsRejected() {
        let flipped = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b504"
        #expect(rejection(headers(signature: flipped)) == .badSignature)
        var tampered = body
        tampered[tampered.count - 1] ^= 1
        #expect(rejection(headers(), body: tampered) == .badSignature)
        #expect(rejection(headers(), body: body + [UInt8(ascii: "\n")]) == .badSignature)
        #expect(rejection(headers(timestamp: "1531420619"), now: 1_531_420_619) == .badSignature)
        let otherSecret = SlackRequestVerifier(signingSecret: "another-secret", clock: { Fixtures.signingTimestamp })
        #expect(throws: SlackVerificationError.badSignature) { try otherSecret.verify(headers: headers(), body: body) }
    }

    @Test func reasonsAreDistinctAndRevealNoSecret() {
        let all: [SlackVerificationError] = [
            .missingSignature, .missingTimestamp, .malformedTimestamp, .staleTimestamp, .futureTimestamp,
            .malformedSignature, .badSignature, .unexpectedTeam,
        ]
        #expect(Set(all.map(\.reason)).count == all.count)
        #expect(SlackVerificationError.staleTimestamp.reason == "stale request timestamp")
        for error in all {
            #expect(!error.description.contains(Fixtures.signingSecret))
            #expect(!error.description.contains("a2114d57"))
            #expect(error.httpStatus == (error == .unexpectedTeam ? 403 : 401))
        }
    }

    @Test func teamCheckAcceptsOnlyTheConfiguredWorkspace() throws {
        try verifier().checkTeam("T1DC2JH3J")
        try verifier(teamId: "T1DC2JH3J").checkTeam("T1DC2JH3J")
        #expect(throws: SlackVerificationError.unexpectedTeam) { try verifier(teamId: "T0001").checkTeam("T1DC2JH3J") }
    }
}
