import Foundation
import SlipwayHTTP

/// A client for the few Slack Web API methods the bot uses, on an injected ``HTTPClient``.
///
/// Each call makes exactly one attempt; retrying with backoff (honouring ``SlackAPIError/retryAfter``) is the
/// outbox's job. The bot token is sent only to the configured API base URL, never to a `response_url`.
public struct SlackWebClient: Sendable, CustomStringConvertible, CustomReflectable {
    private let http: any HTTPClient
    private let token: String
    /// The Web API base, e.g. `https://slack.com/api` (GovSlack, a proxy or a fake in tests otherwise).
    public let baseURL: String
    /// Whole-request timeout in seconds.
    public let timeout: Double

    /// - Parameters:
    ///   - httpClient: Performs the requests.
    ///   - token: The bot token (`xoxb-…`), sent as `Authorization: Bearer`.
    ///   - baseURL: The Web API base URL, without a trailing method name.
    ///   - timeout: Whole-request timeout in seconds.
    public init(
        httpClient: any HTTPClient, token: String, baseURL: String = "https://slack.com/api", timeout: Double = 10
    ) {
        self.http = httpClient
        self.token = token
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.timeout = timeout
    }

    public var description: String { "SlackWebClient(\(baseURL))" }

    /// Shows the base URL only, so `dump` and debuggers never print the token.
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": baseURL, "timeout": timeout]) }

    /// Posts a message to a channel (`chat.postMessage`).
    /// - Parameters:
    ///   - channel: A channel id (`C…`), or a DM channel from ``openConversation(users:)``.
    ///   - message: The message; `responseType` and `replaceOriginal` are not sent.
    ///   - metadata: Message metadata, which ``recentMessages(channel:oldest:eventType:maxPages:)`` finds again.
    /// - Returns: The channel id and the message `ts`, which identify it for ``update(channel:ts:message:)``.
    /// - Throws: ``SlackAPIError``.
    public func postMessage(channel: String, message: SlackMessage, metadata: SlackMessageMetadata? = nil)
        async throws(SlackAPIError) -> (channel: String, ts: String)
    {
        let object = try await call(
            "chat.postMessage", body: messageBody(message, ["channel": channel], metadata: metadata))
        guard let ts = object["ts"] as? String else {
            throw .invalidResponse(method: "chat.postMessage", httpStatus: 200)
        }
        return (channel: object["channel"] as? String ?? channel, ts: ts)
    }

    /// Replaces a message the bot posted earlier (`chat.update`).
    /// - Parameters:
    ///   - channel: The channel id returned by ``postMessage(channel:message:)``.
    ///   - ts: The message `ts`.
    ///   - message: The new content.
    ///   - metadata: Message metadata to keep on the message.
    /// - Throws: ``SlackAPIError``.
    public func update(channel: String, ts: String, message: SlackMessage, metadata: SlackMessageMetadata? = nil)
        async throws(SlackAPIError)
    {
        _ = try await call(
            "chat.update", body: messageBody(message, ["channel": channel, "ts": ts], metadata: metadata))
    }

    /// Posts a message only `user` can see, in `channel` (`chat.postEphemeral`).
    /// - Returns: The ephemeral message's `message_ts`.
    /// - Throws: ``SlackAPIError``.
    @discardableResult
    public func postEphemeral(channel: String, user: String, message: SlackMessage) async throws(SlackAPIError)
        -> String
    {
        let object = try await call(
            "chat.postEphemeral", body: messageBody(message, ["channel": channel, "user": user]))
        return object["message_ts"] as? String ?? ""
    }

    /// Opens (or finds) the direct-message channel with the given users (`conversations.open`).
    /// - Parameter users: One user id for a DM, up to eight for a group DM.
    /// - Returns: The conversation's channel id (`D…`).
    /// - Throws: ``SlackAPIError``.
    public func openConversation(users: [String]) async throws(SlackAPIError) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.beginObject()
        writer.field("users", users.joined(separator: ","))
        writer.endObject()
        let object = try await call("conversations.open", body: writer.bytes)
        guard let channel = object["channel"] as? [String: Any], let id = channel["id"] as? String else {
            throw .invalidResponse(method: "conversations.open", httpStatus: 200)
        }
        return id
    }

    /// Finds a user by email (`users.lookupByEmail`, a GET with the email in the query).
    /// - Parameter email: The address, e.g. a git author email.
    /// - Returns: The user id, or nil when Slack answers `users_not_found`.
    /// - Throws: ``SlackAPIError`` for every other failure.
    public func lookupUserByEmail(_ email: String) async throws(SlackAPIError) -> String? {
        let method = "users.lookupByEmail"
        let request = HTTPClientRequest(
            method: .get, url: "\(baseURL)/\(method)?email=\(Self.percentEncodeQueryValue(email))",
            headers: ["Authorization": "Bearer \(token)"], timeout: timeout)
        let object: [String: Any]
        do {
            object = try await perform(request, method: method)
        } catch  where error.code == "users_not_found" {
            return nil
        }
        guard let user = object["user"] as? [String: Any], let id = user["id"] as? String else {
            throw .invalidResponse(method: method, httpStatus: 200)
        }
        return id
    }

    /// The members of a user group (`usergroups.users.list`, a GET with `usergroup` in the query; needs the
    /// `usergroups:read` scope).
    /// - Parameter usergroup: The group id, e.g. `S0604QSJC`.
    /// - Returns: The members' user ids.
    /// - Throws: ``SlackAPIError``; `no_such_subteam` for an unknown group.
    public func usergroupMembers(_ usergroup: String) async throws(SlackAPIError) -> [String] {
        let method = "usergroups.users.list"
        let request = HTTPClientRequest(
            method: .get, url: "\(baseURL)/\(method)?usergroup=\(Self.percentEncodeQueryValue(usergroup))",
            headers: ["Authorization": "Bearer \(token)"], timeout: timeout)
        let object = try await perform(request, method: method)
        guard let users = object["users"] as? [String] else { throw .invalidResponse(method: method, httpStatus: 200) }
        return users
    }

    /// The channel's messages since `oldest` that carry metadata of `eventType` (`conversations.history` with
    /// `include_all_metadata`; needs the `channels:history` scope, `groups:history` for a private channel).
    /// - Parameters:
    ///   - channel: The channel id.
    ///   - oldest: Only messages posted at or after this time are read.
    ///   - eventType: The metadata `event_type` to keep.
    ///   - maxPages: Pages of up to 200 messages read at most, newest first.
    /// - Returns: The messages found, newest first, with their metadata payload.
    /// - Throws: ``SlackAPIError``.
    public func recentMessages(channel: String, oldest: Date, eventType: String, maxPages: Int = 5)
        async throws(SlackAPIError) -> [(ts: String, payload: [String: String])]
    {
        let method = "conversations.history"
        var found: [(ts: String, payload: [String: String])] = []
        var cursor: String?
        for _ in 0..<max(1, maxPages) {
            var query = "channel=\(Self.percentEncodeQueryValue(channel))&include_all_metadata=true&limit=200"
            query += "&oldest=\(max(0, Int(oldest.timeIntervalSince1970) - 1))"
            if let cursor { query += "&cursor=\(Self.percentEncodeQueryValue(cursor))" }
            let request = HTTPClientRequest(
                method: .get, url: "\(baseURL)/\(method)?\(query)", headers: ["Authorization": "Bearer \(token)"],
                timeout: timeout)
            let object = try await perform(request, method: method)
            for message in object["messages"] as? [[String: Any]] ?? [] {
                guard let ts = message["ts"] as? String, let metadata = message["metadata"] as? [String: Any],
                    metadata["event_type"] as? String == eventType
                else { continue }
                let payload = (metadata["event_payload"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
                found.append((ts: ts, payload: payload))
            }
            let next = (object["response_metadata"] as? [String: Any])?["next_cursor"] as? String ?? ""
            guard object["has_more"] as? Bool == true, !next.isEmpty else { break }
            cursor = next
        }
        return found
    }

    /// Sends a reply to a slash command's or interaction's `response_url` (no token is sent there).
    /// - Parameters:
    ///   - responseURL: The URL from the payload (valid for 5 uses within 30 minutes).
    ///   - message: The reply; set `responseType` or `replaceOriginal` as needed.
    ///   - timeout: Seconds the whole request may take; the client's ``timeout`` when nil.
    /// - Throws: ``SlackAPIError`` with method `response_url` (e.g. `expired_url`, `used_url`).
    public func respond(responseURL: String, message: SlackMessage, timeout: Double? = nil)
        async throws(SlackAPIError)
    {
        let request = HTTPClientRequest(
            method: .post, url: responseURL, headers: ["Content-Type": Self.jsonContentType],
            body: message.jsonBytes(), timeout: timeout ?? self.timeout)
        _ = try await perform(request, method: "response_url", requireJSON: false)
    }

    // MARK: Plumbing

    static let jsonContentType = "application/json; charset=utf-8"

    private func messageBody(
        _ message: SlackMessage, _ leading: KeyValuePairs<String, String>, metadata: SlackMessageMetadata? = nil
    ) -> [UInt8] {
        let chatMessage = SlackMessage(text: message.text, blocks: message.blocks)
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        for (key, value) in leading { writer.field(key, value) }
        chatMessage.writeFields(to: &writer)
        if let metadata {
            writer.key("metadata")
            writer.beginObject()
            writer.field("event_type", metadata.eventType)
            writer.field("event_payload", metadata.payload)
            writer.endObject()
        }
        writer.endObject()
        return writer.bytes
    }

    /// Opens a Socket Mode connection (`apps.connections.open`). The client's token must be the app-level token
    /// (`xapp-…`, scope `connections:write`), not the bot token.
    /// - Returns: the WebSocket URL (`wss://…`), good for one connection; it carries a ticket, so never log it.
    /// - Throws: ``SlackAPIError`` (e.g. `invalid_auth` for a bot token, `not_allowed_token_type`).
    public func openSocketModeConnection() async throws(SlackAPIError) -> String {
        let object = try await call("apps.connections.open", body: Array("{}".utf8))
        guard let url = object["url"] as? String, !url.isEmpty else {
            throw .invalidResponse(method: "apps.connections.open", httpStatus: 200)
        }
        return url
    }

    func call(_ method: String, body: [UInt8]) async throws(SlackAPIError) -> [String: Any] {
        let request = HTTPClientRequest(
            method: .post, url: "\(baseURL)/\(method)",
            headers: ["Authorization": "Bearer \(token)", "Content-Type": Self.jsonContentType], body: body,
            timeout: timeout)
        return try await perform(request, method: method)
    }

    private func perform(_ request: HTTPClientRequest, method: String, requireJSON: Bool = true)
        async throws(SlackAPIError) -> [String: Any]
    {
        let response: HTTPResponse
        do {
            response = try await http.perform(request)
        } catch let error as HTTPClientError {
            // curl's reason names the host at most, never the path: a response_url's path is a credential.
            throw .transport(error.kindAndReason, method: method)
        } catch {
            throw .transport("request failed", method: method)
        }
        return try Self.interpret(response, method: method, requireJSON: requireJSON)
    }

    /// Maps an HTTP answer to the `ok` object or a typed error.
    static func interpret(_ response: HTTPResponse, method: String, requireJSON: Bool = true) throws(SlackAPIError)
        -> [String: Any]
    {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let errorCode = object?["error"] as? String ?? plainErrorWord(response.body)
        if response.status == 429 {
            throw .rateLimited(method: method, retryAfterSeconds: response.headers["Retry-After"].flatMap(retryAfter))
        }
        guard (200..<300).contains(response.status) else {
            if response.status < 500, let errorCode {
                throw .api(errorCode, method: method, httpStatus: response.status)
            }
            throw .httpStatus(response.status, method: method)
        }
        guard let object else {
            if requireJSON { throw .invalidResponse(method: method, httpStatus: response.status) }
            return [:]
        }
        if let ok = object["ok"] as? Bool, ok { return object }
        if object["ok"] == nil, !requireJSON { return object }
        throw .api(errorCode ?? "unknown_error", method: method, httpStatus: response.status)
    }

    /// `response_url` answers errors as a bare word such as `expired_url`.
    private static func plainErrorWord(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, body.count <= 64,
            body.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || $0 == UInt8(ascii: "_") })
        else { return nil }
        let word = String(decoding: body, as: UTF8.self)
        return word == "ok" ? nil : word
    }

    private static func retryAfter(_ value: String) -> Int? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let seconds = Int(trimmed), seconds >= 0 else { return nil }
        return seconds
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters (so `+` in an email stays a plus).
    static func percentEncodeQueryValue(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count * 3)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
