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

    /// Builds a payload from a field lookup whose required fields were checked; both ways of reading a form go
    /// through here. Empty optional fields become nil.
    static func build(_ value: (SlashCommandForm.Field) -> String?) -> SlashCommandPayload {
        func optional(_ field: SlashCommandForm.Field) -> String? {
            guard let text = value(field), !text.isEmpty else { return nil }
            return text
        }
        return SlashCommandPayload(
            teamId: value(.teamId) ?? "", enterpriseId: optional(.enterpriseId), channelId: value(.channelId) ?? "",
            channelName: value(.channelName) ?? "", userId: value(.userId) ?? "", userName: value(.userName) ?? "",
            command: value(.command) ?? "", text: value(.text) ?? "", responseURL: value(.responseURL) ?? "",
            triggerId: value(.triggerId) ?? "", apiAppId: optional(.apiAppId))
    }

    /// Reads a payload from decoded form fields.
    /// - Parameter fields: The output of ``FormDecoder/decode(_:)``.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty
    ///   (`team_id`, `channel_id`, `user_id`, `command`, `response_url`, `trigger_id`).
    public init(fields: FormFields) throws(SlackPayloadError) {
        if let missing = SlashCommandForm.Field.required.first(where: { fields[$0.wireName]?.isEmpty ?? true }) {
            throw .missingField(missing.wireName)
        }
        self = Self.build { fields[$0.wireName] }
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

    /// Reads a raw form body, decoding every field a payload keeps.
    /// - Parameter formBody: The verified raw body.
    /// - Returns: ``Request/sslCheck`` for Slack's probe, otherwise the command.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first required field that is absent or empty.
    public static func parse(formBody: [UInt8]) throws(SlackPayloadError) -> Request {
        let form = SlashCommandForm(formBody: formBody)
        if form.isSSLCheck { return .sslCheck }
        return .command(try form.payload())
    }

    /// Whether the fields are Slack's periodic `ssl_check=1` probe, which only needs an empty 200.
    public static func isSSLCheck(_ fields: FormFields) -> Bool {
        fields[SlashCommandForm.Field.sslCheck.wireName] == "1"
    }
}
