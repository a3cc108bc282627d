import Foundation

/// An interaction (a button press, `block_actions`), decoded from the `payload=` form field.
///
/// Only the fields the bot uses are decoded; unknown fields are ignored. The verification `token` is not kept.
public struct InteractionPayload: Sendable, Hashable, Decodable {
    /// The workspace, `team.id`.
    public struct Team: Sendable, Hashable, Decodable {
        public var id: String
    }

    /// The user who acted.
    public struct User: Sendable, Hashable, Decodable {
        public var id: String
        public var username: String?
        public var name: String?
    }

    /// The channel the message lives in, when it is in one.
    public struct Channel: Sendable, Hashable, Decodable {
        public var id: String
        public var name: String?
    }

    /// Where the interactive element is.
    public struct Container: Sendable, Hashable, Decodable {
        public var type: String?
        public var messageTs: String?
        public var channelId: String?

        enum CodingKeys: String, CodingKey {
            case type
            case messageTs = "message_ts"
            case channelId = "channel_id"
        }
    }

    /// The message holding the pressed button.
    public struct Message: Sendable, Hashable, Decodable {
        public var ts: String
        public var text: String?
    }

    /// One action: what was pressed and the value the bot put on it.
    public struct Action: Sendable, Hashable, Decodable {
        public var actionId: String
        public var blockId: String?
        public var value: String?
        public var type: String
        public var actionTs: String?

        enum CodingKeys: String, CodingKey {
            case actionId = "action_id"
            case blockId = "block_id"
            case value
            case type
            case actionTs = "action_ts"
        }
    }

    /// The interaction type, e.g. `block_actions`.
    public var type: String
    public var team: Team
    public var user: User
    public var apiAppId: String?
    public var channel: Channel?
    public var container: Container?
    public var message: Message?
    /// Where to send replies for this interaction.
    public var responseURL: String?
    public var triggerId: String?
    /// The actions taken; empty for types that carry none.
    public var actions: [Action]

    enum CodingKeys: String, CodingKey {
        case type, team, user, channel, container, message, actions
        case apiAppId = "api_app_id"
        case responseURL = "response_url"
        case triggerId = "trigger_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.type = try container.decode(String.self, forKey: .type)
        self.team = try container.decode(Team.self, forKey: .team)
        self.user = try container.decode(User.self, forKey: .user)
        self.apiAppId = try container.decodeIfPresent(String.self, forKey: .apiAppId)
        self.channel = try container.decodeIfPresent(Channel.self, forKey: .channel)
        self.container = try container.decodeIfPresent(Container.self, forKey: .container)
        self.message = try container.decodeIfPresent(Message.self, forKey: .message)
        self.responseURL = try container.decodeIfPresent(String.self, forKey: .responseURL)
        self.triggerId = try container.decodeIfPresent(String.self, forKey: .triggerId)
        self.actions = try container.decodeIfPresent([Action].self, forKey: .actions) ?? []
    }

    /// Decodes the JSON of the `payload` field.
    /// - Parameter json: The JSON bytes (already percent-decoded).
    /// - Throws: ``SlackPayloadError`` naming the missing field or the shape problem.
    public init(json: [UInt8]) throws(SlackPayloadError) {
        do {
            self = try JSONDecoder().decode(InteractionPayload.self, from: Data(json))
        } catch let error as DecodingError {
            throw Self.payloadError(error)
        } catch {
            throw .malformed("payload is not valid JSON")
        }
    }

    /// Decodes an interaction from its raw form body `payload=<percent-encoded JSON>`.
    /// - Parameter formBody: The verified raw body.
    /// - Throws: ``SlackPayloadError`` when the field is missing or its JSON is not an interaction.
    public init(formBody: [UInt8]) throws(SlackPayloadError) {
        guard let payload = FormDecoder.decode(formBody)["payload"], !payload.isEmpty else {
            throw .missingField("payload")
        }
        try self.init(json: Array(payload.utf8))
    }

    /// The first action, which is the one pressed for button clicks.
    public var firstAction: Action? { actions.first }

    private static func payloadError(_ error: DecodingError) -> SlackPayloadError {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = codingPath + (last.map { [$0] } ?? [])
            return keys.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .missingField(path(context.codingPath, key))
        case .valueNotFound(_, let context):
            return .missingField(path(context.codingPath))
        case .typeMismatch(_, let context):
            let fieldPath = path(context.codingPath)
            return .malformed(
                fieldPath.isEmpty ? "payload is not a JSON object" : "field `\(fieldPath)` has the wrong type")
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? .malformed("payload is not valid JSON") : .malformed("field `\(path(context.codingPath))` is invalid")
        @unknown default:
            return .malformed("payload is not a Slack interaction")
        }
    }
}
