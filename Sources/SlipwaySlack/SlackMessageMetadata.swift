/// Message metadata (`metadata` of `chat.postMessage`): an event type and a flat payload that identify what a
/// message is about, so the app can find its own message again in the channel's history.
public struct SlackMessageMetadata: Sendable, Equatable {
    /// e.g. `slipway_deploy`.
    public var eventType: String
    /// e.g. `["deploy_id": "d-123"]`.
    public var payload: [String: String]

    public init(eventType: String, payload: [String: String]) {
        self.eventType = eventType
        self.payload = payload
    }
}
