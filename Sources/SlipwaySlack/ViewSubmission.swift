import Foundation

/// A submitted modal (`view_submission` interaction): the view's `callback_id`, `private_metadata` and what the user
/// chose in each input (`view.state.values`).
public struct ViewSubmission: Sendable, Hashable {
    public var callbackId: String
    public var privateMetadata: String
    /// `block_id` → `action_id` → the value: a select's `selected_option.value`, a text input's `value`. Inputs
    /// left empty are absent.
    public var values: [String: [String: String]]

    /// The value of one input, or nil when it was left empty.
    public func value(block: String, action: String) -> String? { values[block]?[action] }

    /// Reads the view from an interaction's JSON.
    /// - Throws: ``SlackPayloadError`` when it is not a `view_submission` with a view.
    public init(json: [UInt8]) throws(SlackPayloadError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] else {
            throw .malformed("payload is not valid JSON")
        }
        guard object["type"] as? String == "view_submission" else { throw .malformed("not a view_submission") }
        guard let view = object["view"] as? [String: Any] else { throw .missingField("view") }
        callbackId = view["callback_id"] as? String ?? ""
        privateMetadata = view["private_metadata"] as? String ?? ""
        var values: [String: [String: String]] = [:]
        let state = (view["state"] as? [String: Any])?["values"] as? [String: Any] ?? [:]
        for (blockId, actions) in state {
            for (actionId, element) in actions as? [String: Any] ?? [:] {
                guard let element = element as? [String: Any] else { continue }
                let value =
                    (element["selected_option"] as? [String: Any])?["value"] as? String ?? element["value"] as? String
                if let value, !value.isEmpty { values[blockId, default: [:]][actionId] = value }
            }
        }
        self.values = values
    }

    /// Reads the view from a raw `payload=` form body.
    public init(formBody: [UInt8]) throws(SlackPayloadError) {
        guard let payload = FormDecoder.decode(formBody)["payload"], !payload.isEmpty else {
            throw .missingField("payload")
        }
        try self.init(json: Array(payload.utf8))
    }

    /// The answer that keeps the modal open and shows `errors` (block id → message) under its inputs.
    public static func errorsResponse(_ errors: [String: String]) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("response_action", "errors")
        writer.field("errors", errors)
        writer.endObject()
        return writer.bytes
    }
}
