import Foundation
import SlipwayHTTP

extension FakeSlack {
    /// `apps.connections.open`: with the attached server's app-level token, a fresh single-use WebSocket URL; a bot
    /// token is refused as Slack refuses it (`not_allowed_token_type`).
    func openSocketModeConnection(_ request: HTTPRequest) -> HTTPResponse {
        guard let server = socketMode.withLock({ $0 }) else { return Self.socketError("not_allowed_token_type") }
        switch request.headers["Authorization"] {
        case nil: return Self.socketError("not_authed")
        case "Bearer \(server.appToken)": break
        case "Bearer \(token)": return Self.socketError("not_allowed_token_type")
        default: return Self.socketError("invalid_auth")
        }
        guard request.method == .post else { return Self.socketError("invalid_request") }
        guard let url = server.issueURL() else { return Self.socketError("internal_error") }
        let body = try? JSONSerialization.data(withJSONObject: ["ok": true, "url": url], options: [.sortedKeys])
        return .json(200, [UInt8](body ?? Data()))
    }

    private static func socketError(_ code: String) -> HTTPResponse {
        .json(200, #"{"ok":false,"error":"\#(code)"}"#)
    }
}
