/// A slash command invocation (`/deploy api prod`), decoded from its form body.
///
/// The deprecated verification `token` field is deliberately not kept: requests are authenticated by their
/// signature (``SlackRequestVerifier``).
public struct SlashCommandPayload: Sendable, Hashable {
    /// The workspace, `team_id`.
    public var teamId: String
    /// The Enterprise Grid organisation, `enterprise_id`, when there is one.
    public var enterpriseId: String?
    /// `channel_id`.
    public var channelId: String
    /// `channel_name` (empty when Slack leaves it out).
    public var channelName: String
    /// The invoking user, `user_id`.
    public var userId: String
    /// `user_name` (legacy; empty when Slack leaves it out).
    public var userName: String
    /// The command with its slash, e.g. `/deploy`.
    public var command: String
    /// Everything typed after the command; may be empty.
    public var text: String
    /// Where delayed replies go (5 uses within 30 minutes).
    public var responseURL: String
    /// `trigger_id`, for opening a modal within 3 seconds.
    public var triggerId: String
    /// `api_app_id` (absent in some older payloads).
    public var apiAppId: String?

    /// Builds a payload from fields.
    public init(
        teamId: String, enterpriseId: String? = nil, channelId: String, channelName: String = "", userId: String,
        userName: String = "", command: String, text: String, responseURL: String, triggerId: String,
        apiAppId: String? = nil
    ) {
        self.teamId = teamId
        self.enterpriseId = enterpriseId
        self.channelId = channelId
        self.channelName = channelName
        self.userId = userId
        self.userName = userName
        self.command = command
        self.text = text
        self.responseURL = responseURL
        self.triggerId = triggerId
        self.apiAppId = apiAppId
    }

    /// The form fields a payload is read from; the raw value indexes ``FormDecoder/values(of:in:)``'s result.
    private enum Field: Int, CaseIterable {
        case teamId, channelId, userId, command, responseURL, triggerId, enterpriseId, apiAppId, channelName
        case userName, text, sslCheck

        var wireName: String {
            switch self {
            case .teamId: "team_id"
            case .channelId: "channel_id"
            case .userId: "user_id"
            case .command: "command"
            case .responseURL: "response_url"
            case .triggerId: "trigger_id"
            case .enterpriseId: "enterprise_id"
            case .apiAppId: "api_app_id"
            case .channelName: "channel_name"
            case .userName: "user_name"
            case .text: "text"
            case .sslCheck: "ssl_check"
            }
        }
    }

    /// Builds a payload from a field lookup; both ways of reading a form go through here.
    private static func build(_ value: (Field) -> String?) throws(SlackPayloadError) -> SlashCommandPayload {
        func required(_ field: Field) throws(SlackPayloadError) -> String {
            guard let text = value(field), !text.isEmpty else { throw .missingField(field.wireName) }
            return text
        }
        func optional(_ field: Field) -> String? {
            guard let text = value(field), !text.isEmpty else { return nil }
            return text
        }
        // Required fields are checked in this order, so the first one missing is the one named.
        let teamId = try required(.teamId)
        let channelId = try required(.channelId)
        let userId = try required(.userId)
        let command = try required(.command)
        let responseURL = try required(.responseURL)
        let triggerId = try required(.triggerId)
        return SlashCommandPayload(
            teamId: teamId, enterpriseId: optional(.enterpriseId), channelId: channelId,
            channelName: value(.channelName) ?? "", userId: userId, userName: value(.userName) ?? "",
            command: command, text: value(.text) ?? "", responseURL: responseURL, triggerId: triggerId,
            apiAppId: optional(.apiAppId))
    }

    /// Reads a payload from decoded form fields.
    /// - Parameter fields: The output of ``FormDecoder/decode(_:)``.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty
    ///   (`team_id`, `channel_id`, `user_id`, `command`, `response_url`, `trigger_id`).
    public init(fields: FormFields) throws(SlackPayloadError) {
        self = try Self.build { fields[$0.wireName] }
    }

    /// Reads a payload from a raw form body.
    /// - Parameter formBody: The verified raw body.
    /// - Throws: ``SlackPayloadError`` naming the missing field.
    public init(formBody: [UInt8]) throws(SlackPayloadError) {
        guard case .command(let payload) = try Self.parse(formBody: formBody) else {
            throw .missingField("command")
        }
        self = payload
    }

    /// What a slash-command request body is: Slack's `ssl_check=1` probe, or a command.
    public enum Request: Sendable, Hashable {
        /// Slack's periodic certificate check; it only needs an empty 200.
        case sslCheck
        case command(SlashCommandPayload)
    }

    /// Every field's wire name, in raw-value order.
    private static let wireNames = FormDecoder.FieldNames(Field.allCases.map(\.wireName))

    /// Reads a raw form body in one pass, decoding only the fields a payload keeps (this runs on every command).
    /// - Parameter formBody: The verified raw body.
    /// - Returns: ``Request/sslCheck`` for Slack's probe, otherwise the command.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty.
    public static func parse(formBody: [UInt8]) throws(SlackPayloadError) -> Request {
        let values = FormDecoder.values(of: wireNames, in: formBody)
        if values[Field.sslCheck.rawValue] == "1" { return .sslCheck }
        return .command(try build { values[$0.rawValue] })
    }

    /// Whether the fields are Slack's periodic `ssl_check=1` probe, which only needs an empty 200.
    public static func isSSLCheck(_ fields: FormFields) -> Bool { fields[Field.sslCheck.wireName] == "1" }
}
