import Foundation
import SlipwaySlack

/// One message Slack sends over a Socket Mode connection (api.slack.com "Socket Mode"): `hello`, `disconnect`, or
/// an envelope (`slash_commands`, `interactive`, `events_api`) to acknowledge with its `envelope_id`.
struct SocketModeEnvelope: Sendable {
    enum Kind: Sendable, Equatable {
        /// The connection is ready.
        case hello
        /// Slack will close this connection: `refresh_requested`, `warning`, `link_disabled`.
        case disconnect(reason: String)
        /// A slash command: its payload as the form body the HTTP route receives.
        case command(formBody: [UInt8])
        /// An interaction: its payload's JSON (the HTTP route's `payload=` field).
        case interaction(json: [UInt8])
        /// An Events API callback: its payload's JSON (the HTTP route's body).
        case event(json: [UInt8])
        /// A type Slipway does not handle; acknowledged if it has an `envelope_id`.
        case other(type: String)
    }

    var kind: Kind
    var envelopeId: String?
    /// Whether the acknowledgement may carry a `payload` (slash commands: the reply).
    var acceptsResponsePayload: Bool
    /// 0 for the first delivery; Slack counts up when it delivers an envelope again.
    var retryAttempt: Int

    /// The `type` for logs and metrics.
    var typeName: String {
        switch kind {
        case .hello: "hello"
        case .disconnect: "disconnect"
        case .command: "slash_commands"
        case .interaction: "interactive"
        case .event: "events_api"
        case .other(let type): type
        }
    }

    /// - Throws: `SlackPayloadError` for a message that is not a JSON object with a `type`.
    init(json: [UInt8]) throws(SlackPayloadError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw .malformed("Socket Mode message is not a JSON object")
        }
        guard let type = object["type"] as? String else { throw .missingField("type") }
        envelopeId = object["envelope_id"] as? String
        acceptsResponsePayload = object["accepts_response_payload"] as? Bool ?? false
        retryAttempt = object["retry_attempt"] as? Int ?? 0
        let payload = object["payload"] as? [String: Any]
        func payloadJSON() throws(SlackPayloadError) -> [UInt8] {
            guard let payload, let data = try? JSONSerialization.data(withJSONObject: payload) else {
                throw .missingField("payload")
            }
            return Array(data)
        }
        switch type {
        case "hello":
            kind = .hello
        case "disconnect":
            kind = .disconnect(reason: object["reason"] as? String ?? "unknown")
        case "slash_commands":
            guard let payload else { throw .missingField("payload") }
            // The same fields as the HTTP form, as JSON strings: encoded back into the form the route parses.
            let fields = payload.keys.sorted().map { key in (key, Self.formValue(payload[key]!)) }
            kind = .command(formBody: FormEncoder.encode(fields))
        case "interactive":
            kind = .interaction(json: try payloadJSON())
        case "events_api":
            kind = .event(json: try payloadJSON())
        default:
            kind = .other(type: type)
        }
    }

    private static func formValue(_ value: Any) -> String {
        switch value {
        case let string as String: string
        case let number as NSNumber: number.stringValue
        default: "\(value)"
        }
    }

    /// The acknowledgement: `{"envelope_id": …}`, with `"payload": …` (a JSON object) when one is given.
    static func acknowledgement(envelopeId: String, payload: [UInt8]?) -> [UInt8] {
        var bytes: [UInt8] = Array(#"{"envelope_id":"#.utf8)
        bytes.append(contentsOf: JSONWriter.quoted(envelopeId).utf8)
        if let payload, !payload.isEmpty {
            bytes.append(contentsOf: #","payload":"#.utf8)
            bytes.append(contentsOf: payload)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }
}
