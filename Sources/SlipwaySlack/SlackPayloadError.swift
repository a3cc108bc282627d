/// A Slack request body that could not be understood (the server answers 400).
///
/// ``reason`` names what was wrong and is safe to return to the client.
public struct SlackPayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case missingField(String)
        case malformed(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A required field is absent (or empty).
    /// - Parameter name: The wire name of the field, e.g. `user_id` or `user.id`.
    public static func missingField(_ name: String) -> SlackPayloadError { SlackPayloadError(.missingField(name)) }

    /// The body is not in the documented shape.
    /// - Parameter reason: What was wrong, without echoing the payload.
    public static func malformed(_ reason: String) -> SlackPayloadError { SlackPayloadError(.malformed(reason)) }

    /// The missing field's wire name, when that is the problem.
    public var missingFieldName: String? {
        if case .missingField(let name) = code { return name }
        return nil
    }

    /// A short reason that may be returned to the client.
    public var reason: String {
        switch code {
        case .missingField(let name): "missing field `\(name)`"
        case .malformed(let reason): reason
        }
    }

    public var description: String { "Malformed Slack payload: \(reason)" }
}
