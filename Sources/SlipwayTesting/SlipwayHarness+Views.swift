import Foundation
import SlipwayHTTP
import SlipwaySlack

extension SlipwayHarness {
    /// Sends `payload` (an interaction object) signed like Slack, as `payload=` to `/slack/interactions`.
    public func interaction(_ payload: [String: Any]) async throws -> HTTPResponse {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let body = Array("payload=\(FormEncoder.encode(json))".utf8)
        return try await send(.post, "/slack/interactions", headers: slackHeaders(body), body: body)
    }

    /// Submits the modal `view` as `user` with `values` (block id → option value or text): a signed
    /// `view_submission`.
    public func submit(view: [String: Any], user: String, values: [String: String]) async throws -> HTTPResponse {
        try await interaction(slack.views.submission(of: view, user: user, values: values))
    }
}
