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

    /// Reads a payload from decoded form fields.
    /// - Parameter fields: The output of ``FormDecoder/decode(_:)``.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty
    ///   (`team_id`, `channel_id`, `user_id`, `command`, `response_url`, `trigger_id`).
    public init(fields: FormFields) throws(SlackPayloadError) {
        func required(_ name: String) throws(SlackPayloadError) -> String {
            guard let value = fields[name], !value.isEmpty else { throw .missingField(name) }
            return value
        }
        func optional(_ name: String) -> String? {
            guard let value = fields[name], !value.isEmpty else { return nil }
            return value
        }
        self.teamId = try required("team_id")
        self.channelId = try required("channel_id")
        self.userId = try required("user_id")
        self.command = try required("command")
        self.responseURL = try required("response_url")
        self.triggerId = try required("trigger_id")
        self.enterpriseId = optional("enterprise_id")
        self.apiAppId = optional("api_app_id")
        self.channelName = fields["channel_name"] ?? ""
        self.userName = fields["user_name"] ?? ""
        self.text = fields["text"] ?? ""
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

    /// The wire names read from a slash-command body, in the order ``parse(formBody:)`` expects them.
    private static let wireNames = FormDecoder.FieldNames([
        "team_id", "channel_id", "user_id", "command", "response_url", "trigger_id", "enterprise_id", "api_app_id",
        "channel_name", "user_name", "text", "ssl_check",
    ])

    /// Reads a raw form body in one pass, decoding only the fields a payload keeps (this runs on every command).
    /// - Parameter formBody: The verified raw body.
    /// - Returns: ``Request/sslCheck`` for Slack's probe, otherwise the command.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty.
    public static func parse(formBody: [UInt8]) throws(SlackPayloadError) -> Request {
        let values = FormDecoder.values(of: wireNames, in: formBody)
        if values[11] == "1" { return .sslCheck }
        func required(_ index: Int) throws(SlackPayloadError) -> String {
            guard let value = values[index], !value.isEmpty else { throw .missingField(wireNames.name(at: index)) }
            return value
        }
        func optional(_ index: Int) -> String? {
            guard let value = values[index], !value.isEmpty else { return nil }
            return value
        }
        return .command(
            SlashCommandPayload(
                teamId: try required(0), enterpriseId: optional(6), channelId: try required(1),
                channelName: values[8] ?? "", userId: try required(2), userName: values[9] ?? "",
                command: try required(3), text: values[10] ?? "", responseURL: try required(4),
                triggerId: try required(5), apiAppId: optional(7)))
    }

    /// Whether the fields are Slack's periodic `ssl_check=1` probe, which only needs an empty 200.
    public static func isSSLCheck(_ fields: FormFields) -> Bool { fields["ssl_check"] == "1" }
}
