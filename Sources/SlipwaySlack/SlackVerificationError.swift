/// Why an inbound Slack request was rejected.
///
/// Every ``reason`` is safe to send back to the client: it never contains the signing secret, the expected
/// signature or anything computed from them.
public struct SlackVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case missingSignature
        case missingTimestamp
        case malformedTimestamp
        case staleTimestamp
        case futureTimestamp
        case malformedSignature
        case badSignature
        case unexpectedTeam
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The `X-Slack-Signature` header is absent.
    public static let missingSignature = SlackVerificationError(.missingSignature)
    /// The `X-Slack-Request-Timestamp` header is absent.
    public static let missingTimestamp = SlackVerificationError(.missingTimestamp)
    /// The timestamp is not a plain decimal number of seconds.
    public static let malformedTimestamp = SlackVerificationError(.malformedTimestamp)
    /// The timestamp is older than the tolerance (a possible replay).
    public static let staleTimestamp = SlackVerificationError(.staleTimestamp)
    /// The timestamp is further in the future than the tolerance.
    public static let futureTimestamp = SlackVerificationError(.futureTimestamp)
    /// The signature is not `v0=` followed by 64 lowercase hex digits.
    public static let malformedSignature = SlackVerificationError(.malformedSignature)
    /// The signature is well-formed but does not match the body.
    public static let badSignature = SlackVerificationError(.badSignature)
    /// The request is signed correctly but comes from a workspace this bot does not serve.
    public static let unexpectedTeam = SlackVerificationError(.unexpectedTeam)

    /// A short reason that may be returned to the client.
    public var reason: String {
        switch code {
        case .missingSignature: "missing X-Slack-Signature header"
        case .missingTimestamp: "missing X-Slack-Request-Timestamp header"
        case .malformedTimestamp: "malformed request timestamp"
        case .staleTimestamp: "stale request timestamp"
        case .futureTimestamp: "request timestamp is in the future"
        case .malformedSignature: "malformed request signature"
        case .badSignature: "request signature does not match"
        case .unexpectedTeam: "request from an unexpected workspace"
        }
    }

    /// The HTTP status to answer with: 401 for signature problems, 403 for a foreign workspace.
    public var httpStatus: Int { code == .unexpectedTeam ? 403 : 401 }

    public var description: String { "Slack request rejected: \(reason)" }
}
