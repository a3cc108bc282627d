import Foundation
import SlipwayCrypto
import SlipwayHTTP

/// Verifies Slack's v0 request signatures.
///
/// Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 keyed by the app's signing secret and sends
/// `X-Slack-Signature: v0=<lowercase hex>` and `X-Slack-Request-Timestamp: <unix seconds>`. The verifier must see the
/// raw body bytes exactly as received, before any form decoding.
public struct SlackRequestVerifier: Sendable {
    /// Header carrying the signature.
    public static let signatureHeader = "X-Slack-Signature"
    /// Header carrying the request timestamp.
    public static let timestampHeader = "X-Slack-Request-Timestamp"

    private let key: HMACKey
    private let clock: @Sendable () -> Int64
    /// Largest accepted distance, in seconds, between the request timestamp and now (both directions).
    public let toleranceSeconds: Int64
    /// The only workspace accepted by ``checkTeam(_:)``, or nil to accept any.
    public let teamId: String?

    /// - Parameters:
    ///   - signingSecret: The Slack app's signing secret (used as the UTF-8 HMAC key).
    ///   - clock: Current time in Unix seconds; injectable for tests.
    ///   - toleranceSeconds: Replay window; Slack recommends 300 seconds.
    ///   - teamId: When set, ``checkTeam(_:)`` rejects every other workspace.
    public init(
        signingSecret: String,
        clock: @escaping @Sendable () -> Int64 = SlackRequestVerifier.systemClock,
        toleranceSeconds: Int64 = 300,
        teamId: String? = nil
    ) {
        self.key = HMACKey(signingSecret.utf8)
        self.clock = clock
        self.toleranceSeconds = toleranceSeconds
        self.teamId = teamId
    }

    /// A guard that remembers accepted signatures for as long as this verifier accepts them, on the same clock.
    public func makeReplayGuard() -> SlackReplayGuard {
        SlackReplayGuard(windowSeconds: toleranceSeconds, clock: clock)
    }

    /// The wall clock in Unix seconds.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    /// Checks the signature headers against the raw body.
    /// - Parameters:
    ///   - headers: The request headers (names are matched case-insensitively).
    ///   - body: The raw request body, byte for byte as received.
    /// - Throws: ``SlackVerificationError`` saying which check failed.
    public func verify(headers: HTTPHeaders, body: [UInt8]) throws(SlackVerificationError) {
        // The header values are read in place: no strings are built on this path, which runs for every request.
        let outcome = headers.withValue(Self.signatureHeader) { signature in
            headers.withValue(Self.timestampHeader) { timestamp in
                check(signature: signature, timestamp: timestamp, body: body)
            } ?? .missingTimestamp
        }
        if let failure = outcome ?? .missingSignature { throw failure }
    }

    /// The first check that fails, or nil when the request is authentic.
    private func check(signature: UnsafeBufferPointer<UInt8>, timestamp: UnsafeBufferPointer<UInt8>, body: [UInt8])
        -> SlackVerificationError?
    {
        guard let seconds = Self.parseTimestamp(timestamp) else { return .malformedTimestamp }
        let now = clock()
        if now - seconds > toleranceSeconds { return .staleTimestamp }
        if seconds - now > toleranceSeconds { return .futureTimestamp }
        guard signature.count == 67, signature.starts(with: "v0=".utf8) else { return .malformedSignature }
        let digits = UnsafeBufferPointer(rebasing: signature[3...])
        let matches = Self.withSignedPrefix(timestamp) { prefix in
            key.matchesHex(UnsafeRawBufferPointer(digits)) { mac in
                mac.update(prefix)
                mac.update(body)
            }
        }
        if matches { return nil }
        // A match means the digits were our own lowercase hex, so the format check is only needed to explain a
        // mismatch.
        return Self.isLowercaseHex(digits) ? .badSignature : .malformedSignature
    }

    /// Checks the workspace of an already verified and parsed request against ``teamId``.
    /// - Parameter team: The `team_id` (or `team.id`) from the payload.
    /// - Throws: ``SlackVerificationError/unexpectedTeam`` when a team is configured and differs.
    public func checkTeam(_ team: @autoclosure () -> String) throws(SlackVerificationError) {
        // Read (and decoded) only when a team is configured.
        if let teamId, teamId != team() { throw .unexpectedTeam }
    }

    /// Computes the `X-Slack-Signature` value for a body, as Slack would send it.
    /// - Parameters:
    ///   - body: The raw request body.
    ///   - timestamp: The Unix timestamp that goes into `X-Slack-Request-Timestamp`.
    /// - Returns: `v0=` followed by 64 lowercase hex digits.
    public func sign(body: [UInt8], timestamp: Int64) -> String {
        Self.signature(key: key, body: body, timestamp: String(timestamp))
    }

    /// Both signature headers for a body, as Slack would send them (for `slipway try` and tests).
    public func signedHeaders(body: [UInt8], timestamp: Int64) -> HTTPHeaders {
        [
            Self.timestampHeader: String(timestamp),
            Self.signatureHeader: sign(body: body, timestamp: timestamp),
        ]
    }

    private static func signature(key: HMACKey, body: [UInt8], timestamp: String) -> String {
        "v0=" + Hex.encode(digest(key: key, body: body, timestamp: timestamp))
    }

    /// HMAC-SHA256 of `v0:{timestamp}:{body}`.
    private static func digest(key: HMACKey, body: [UInt8], timestamp: String) -> [UInt8] {
        var timestamp = timestamp
        return timestamp.withUTF8 { timestamp in
            withSignedPrefix(timestamp) { prefix in
                key.authenticate { mac in
                    mac.update(prefix)
                    mac.update(body)
                }
            }
        }
    }

    /// Calls `body` with `v0:{timestamp}:`, the part of the signed message before the raw body, built in temporary
    /// memory so the message is fed in two parts and the body is never copied.
    private static func withSignedPrefix<R>(
        _ timestamp: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> R
    )
        -> R
    {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: timestamp.count + 4) { buffer in
            buffer[0] = UInt8(ascii: "v")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: ":")
            for (offset, byte) in timestamp.enumerated() { buffer[3 + offset] = byte }
            buffer[timestamp.count + 3] = UInt8(ascii: ":")
            return body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Only plain decimal digits are a timestamp: no sign, spaces or fraction. At most 18 digits so it fits Int64.
    static func parseTimestamp(_ utf8: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !utf8.isEmpty, utf8.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Whether the signature's digits are all lowercase hex. Slack sends lowercase hex; anything else is
    /// malformed, not merely a mismatch.
    static func isLowercaseHex(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        digits.allSatisfy {
            ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f"))
        }
    }
}
