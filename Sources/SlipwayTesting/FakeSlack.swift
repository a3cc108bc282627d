import Foundation
import SlipwayHTTP
import Synchronization

/// A stand-in for the Slack Web API and `response_url`s, served over real HTTP on loopback.
///
/// It speaks the documented wire format: `Authorization: Bearer`, JSON bodies for `chat.postMessage`,
/// `chat.update`, `chat.postEphemeral` and `conversations.open`, GET queries for `users.lookupByEmail` and
/// `conversations.history` (with message `metadata` when `include_all_metadata=true`), HTTP 200 with `ok`/`error`,
/// and 429 with `Retry-After`. Every request is recorded. ``delayNext(method:_:)`` holds a request to make the
/// client time out before, while or after Slack accepts it.
///
/// ```swift
/// let slack = try FakeSlack()
/// let client = SlackWebClient(httpClient: CurlHTTPClient(), token: slack.token, baseURL: slack.baseURL)
/// slack.failNext(method: "chat.postMessage", with: .rateLimit(retryAfter: 1))
/// ```
public final class FakeSlack: Sendable {
    /// One recorded request.
    public struct Call: Sendable {
        /// The Web API method (`chat.postMessage`), or `response_url` for posts to ``responseURL(_:)``.
        public let method: String
        public let httpMethod: String
        public let path: String
        public let query: String
        public let headers: HTTPHeaders
        public let body: [UInt8]
        /// When the fake received it.
        public let receivedAt: Date
        /// The HTTP status the fake answered with (0 until answered).
        public internal(set) var httpStatus: Int = 0
        /// Slack's error code when the answer was `ok:false` or a non-2xx status; nil when it succeeded.
        public internal(set) var error: String?

        /// Whether Slack accepted the call (HTTP 200 with `ok:true`).
        public var succeeded: Bool { httpStatus == 200 && error == nil }

        /// The JSON body as an object, or nil when it is not a JSON object.
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }

        /// A top-level string field of the JSON body.
        public func string(_ key: String) -> String? { json?[key] as? String }

        /// The query parameters, percent-decoded.
        public var queryItems: [String: String] { FakeSlack.decodeQuery(query) }

        /// The body as text.
        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// A failure to answer the next call of a method with.
    public enum Failure: Sendable, Equatable {
        /// HTTP 200 `{"ok":false,"error":code}`.
        case error(String)
        /// HTTP 429 with `Retry-After: seconds`.
        case rateLimit(retryAfter: Int)
        /// HTTP 500.
        case serverError
    }

    /// How to hold the next request of a method, to make a client time out around the moment Slack accepts it.
    public enum Delay: Sendable, Equatable {
        /// Holds the request `seconds`, then answers 503 without handling it: Slack never accepted it.
        case dropAfter(seconds: Double)
        /// Holds the request `seconds`, then handles it: Slack accepted it as the client was giving up.
        case acceptAfter(seconds: Double)
        /// Handles the request at once, then holds the answer `seconds`: Slack accepted it; the answer came late.
        case answerAfter(seconds: Double)
    }

    /// The bot token the fake accepts.
    public let token: String
    private let server = FakeServer(threadCount: 8)
    /// `views.open` and `views.publish`: the modals and Home tabs Slipway showed.
    public let views = FakeSlackViews()
    /// The Socket Mode server `apps.connections.open` hands out URLs of (`FakeSocketModeServer.attach(to:)`).
    let socketMode = Mutex<FakeSocketModeServer?>(nil)
    private let state: Mutex<State>

    private struct State {
        var recorded: [Call] = []
        var callSequence = 0
        var sequenceOfRecorded: [Int] = []
        var pendingFailures: [String: [Failure]] = [:]
        var outage = false
        var channelsWithoutBot: Set<String> = []
        var directory: [String: String] = [:]
        var usergroups: [String: [String]] = [:]
        var messages: [String: [UInt8]] = [:]
        /// When each message (by `channel/ts`) was posted; `conversations.history`'s `oldest` is compared with it.
        var postedAt: [String: Date] = [:]
        var delays: [String: [Delay]] = [:]
        var heldCount = 0
        var responseURLUses: [String: Int] = [:]
        var tsCounter = 0
        /// Replies posted with `thread_ts`, by parent `channel/ts`, oldest first; they are not channel messages.
        var threads: [String: [[UInt8]]] = [:]
    }

    /// How many times one `response_url` may be used (Slack: 5 within 30 minutes).
    public static let responseURLUseLimit = 5

    /// Starts the fake on a free loopback port.
    /// - Parameters:
    ///   - token: The bot token to accept.
    ///   - users: The `users.lookupByEmail` directory, email to user id.
    /// - Throws: `HTTPServerError` when it cannot listen.
    public init(token: String = "xoxb-fake-token", users: [String: String] = [:]) throws {
        self.token = token
        self.state = Mutex(
            State(directory: Dictionary(users.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a }))
        )
        try server.start(serving: self) { fake, request in fake.handle(request) }
    }

    /// Stops listening.
    public func stop() { server.stop() }

    /// The Web API base URL to configure, e.g. `http://127.0.0.1:54321/api`.
    public var baseURL: String { "http://127.0.0.1:\(server.port)/api" }

    /// A `response_url` served by this fake; posts to it are recorded with method `response_url`.
    public func responseURL(_ id: String = "1") -> String { "http://127.0.0.1:\(server.port)/response/\(id)" }

    /// Recorded calls, oldest first; only those of `method` when given.
    public func calls(method: String? = nil) -> [Call] {
        state.withLock { s in method.map { name in s.recorded.filter { $0.method == name } } ?? s.recorded }
    }

    /// Successful calls of `method`, oldest first.
    public func succeededCalls(method: String) -> [Call] { calls(method: method).filter(\.succeeded) }

    /// Forgets the recorded calls.
    public func clearCalls() {
        state.withLock { s in
            s.recorded.removeAll()
            s.sequenceOfRecorded.removeAll()
        }
    }

    /// Makes the next call of `method` fail (failures queue up, one per call).
    public func failNext(method: String, with failure: Failure) {
        state.withLock { s in s.pendingFailures[method, default: []].append(failure) }
    }

    /// Holds the next call of `method` as `delay` says (delays queue up, one per call).
    public func delayNext(method: String, _ delay: Delay) {
        state.withLock { s in s.delays[method, default: []].append(delay) }
    }

    /// How many requests a ``Delay`` has held (counted when the hold starts).
    public var heldCount: Int { state.withLock { s in s.heldCount } }

    /// While on, every request gets HTTP 503.
    public func setOutage(_ on: Bool) { state.withLock { s in s.outage = on } }

    /// Makes posts to `channel` fail with `not_in_channel` (the bot was never invited), or undoes it.
    public func setNotInChannel(_ channel: String, _ notInChannel: Bool = true) {
        state.withLock { s in
            if notInChannel { s.channelsWithoutBot.insert(channel) } else { s.channelsWithoutBot.remove(channel) }
        }
    }

    /// Adds a user to the `users.lookupByEmail` directory.
    public func addUser(email: String, id: String) { state.withLock { s in s.directory[email.lowercased()] = id } }

    /// Makes `usergroups.users.list` answer `members` for group `id`, or `no_such_subteam` when nil.
    public func setUsergroup(_ id: String, members: [String]?) { state.withLock { s in s.usergroups[id] = members } }

    /// Every message posted to `channel` (not ephemeral ones), oldest first, with its latest content.
    public func postedMessages(channel: String) -> [(ts: String, message: [String: Any])] {
        let prefix = "\(channel)/"
        let stored = state.withLock { s in s.messages.filter { $0.key.hasPrefix(prefix) } }
        return stored.keys.sorted().compactMap { key in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(stored[key]!))) as? [String: Any] else {
                return nil
            }
            return (ts: String(key.dropFirst(prefix.count)), message: object)
        }
    }

    /// Deletes a posted message, as a person with the rights to do so can; `chat.update` on it then answers
    /// `message_not_found`.
    public func deleteMessage(channel: String, ts: String) {
        state.withLock { s in _ = s.messages.removeValue(forKey: "\(channel)/\(ts)") }
    }

    /// The latest content of a posted message (after any `chat.update`), as the JSON object that was sent.
    public func message(channel: String, ts: String) -> [String: Any]? {
        guard let body = state.withLock({ s in s.messages["\(channel)/\(ts)"] }) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    // MARK: Serving

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        let method = request.path.hasPrefix("/api/") ? String(request.path.dropFirst(5)) : "response_url"
        let delay: Delay? = state.withLock { s in
            guard var queue = s.delays[method], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            s.delays[method] = queue
            s.heldCount += 1
            return next
        }
        switch delay {
        case .dropAfter(let seconds)?:
            Thread.sleep(forTimeInterval: seconds)
            return .text(503, "Service Unavailable")
        case .acceptAfter(let seconds)?:
            Thread.sleep(forTimeInterval: seconds)
        case .answerAfter(let seconds)?:
            let response = answerAndRecord(request)
            Thread.sleep(forTimeInterval: seconds)
            return response
        case nil: break
        }
        return answerAndRecord(request)
    }

    private func answerAndRecord(_ request: HTTPRequest) -> HTTPResponse {
        let (sequence, response) = answer(request)
        guard let sequence else { return response }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let error: String? =
            if response.status == 200, object?["ok"] as? Bool == true { nil } else {
                object?["error"] as? String ?? "http_\(response.status)"
            }
        state.withLock { s in
            guard let index = s.sequenceOfRecorded.lastIndex(of: sequence) else { return }
            s.recorded[index].httpStatus = response.status
            s.recorded[index].error = error
        }
        return response
    }

    /// Records the call and answers it. - Returns: the call's sequence number (nil when not recorded) and the answer.
    private func answer(_ request: HTTPRequest) -> (Int?, HTTPResponse) {
        let method: String
        if request.path.hasPrefix("/api/") {
            method = String(request.path.dropFirst(5))
        } else if request.path.hasPrefix("/response/") {
            method = "response_url"
        } else {
            return (nil, .json(404, #"{"ok":false,"error":"unknown_method"}"#))
        }
        let call = Call(
            method: method, httpMethod: request.method.rawValue, path: request.path, query: request.query,
            headers: request.headers, body: request.body, receivedAt: Date())
        let (sequence, isOutage, failure): (Int, Bool, Failure?) = state.withLock { s in
            s.callSequence += 1
            s.recorded.append(call)
            s.sequenceOfRecorded.append(s.callSequence)
            if s.outage { return (s.callSequence, true, nil) }
            guard var queue = s.pendingFailures[method], !queue.isEmpty else { return (s.callSequence, false, nil) }
            let next = queue.removeFirst()
            s.pendingFailures[method] = queue
            return (s.callSequence, false, next)
        }
        return (sequence, respond(to: request, call: call, method: method, isOutage: isOutage, failure: failure))
    }

    private func respond(to request: HTTPRequest, call: Call, method: String, isOutage: Bool, failure: Failure?)
        -> HTTPResponse
    {
        if isOutage { return .text(503, "Service Unavailable") }
        switch failure {
        case .error(let code)?: return Self.error(code)
        case .rateLimit(let seconds)?:
            var response = HTTPResponse.json(429, #"{"ok":false,"error":"ratelimited"}"#)
            response.headers.add(name: "Retry-After", value: String(seconds))
            return response
        case .serverError?: return .text(500, "Internal Server Error")
        case nil: break
        }
        if method == "response_url" { return respondToResponseURL(request) }
        if method == "apps.connections.open" { return openSocketModeConnection(request) }

        switch request.headers["Authorization"] {
        case nil: return Self.error("not_authed")
        case "Bearer \(token)": break
        default: return Self.error("invalid_auth")
        }
        if method == "users.lookupByEmail" { return lookupByEmail(call.queryItems["email"]) }
        if method == "usergroups.users.list" { return usergroupMembers(call.queryItems["usergroup"]) }
        if method == "conversations.history" { return history(call.queryItems) }
        guard request.method == .post else { return Self.error("invalid_request") }
        guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/json") == true else {
            return Self.error("invalid_form_data")
        }
        guard let body = call.json else { return Self.error("invalid_json") }
        switch method {
        case "chat.postMessage": return postMessage(body, raw: request.body)
        case "chat.update": return update(body, raw: request.body)
        case "chat.postEphemeral": return postEphemeral(body)
        case "conversations.open": return openConversation(body)
        case "views.open", "views.publish": return views.handle(method: method, body: body)
        default: return Self.error("unknown_method")
        }
    }

    private func postMessage(_ body: [String: Any], raw: [UInt8]) -> HTTPResponse {
        guard let channel = body["channel"] as? String, !channel.isEmpty else { return Self.error("channel_not_found") }
        if let problem = Self.contentProblem(body) { return Self.error(problem) }
        if let parent = body["thread_ts"] as? String { return postReply(channel: channel, parent: parent, raw: raw) }
        let ts: String? = state.withLock { s in
            if s.channelsWithoutBot.contains(channel) { return nil }
            s.tsCounter += 1
            let ts = "\(1_700_000_000 + s.tsCounter).000100"
            s.messages["\(channel)/\(ts)"] = raw
            s.postedAt["\(channel)/\(ts)"] = Date()
            return ts
        }
        guard let ts else { return Self.error("not_in_channel") }
        return Self.ok(["channel": channel, "ts": ts])
    }

    /// `chat.postMessage` with `thread_ts`: a reply to an existing message of the channel (`thread_not_found`
    /// otherwise), kept apart from the channel's messages as Slack keeps it out of `conversations.history`.
    private func postReply(channel: String, parent: String, raw: [UInt8]) -> HTTPResponse {
        let ts: String? = state.withLock { s in
            if s.channelsWithoutBot.contains(channel) { return "" }
            guard s.messages["\(channel)/\(parent)"] != nil else { return nil }
            s.tsCounter += 1
            s.threads["\(channel)/\(parent)", default: []].append(raw)
            return "\(1_700_000_000 + s.tsCounter).000300"
        }
        guard let ts else { return Self.error("thread_not_found") }
        if ts.isEmpty { return Self.error("not_in_channel") }
        return Self.ok(["channel": channel, "ts": ts])
    }

    func threadStore(channel: String, ts: String) -> [[UInt8]] {
        state.withLock { s in s.threads["\(channel)/\(ts)"] ?? [] }
    }

    private func update(_ body: [String: Any], raw: [UInt8]) -> HTTPResponse {
        guard let channel = body["channel"] as? String, !channel.isEmpty else { return Self.error("channel_not_found") }
        guard let ts = body["ts"] as? String else { return Self.error("message_not_found") }
        if let problem = Self.contentProblem(body) { return Self.error(problem) }
        // Metadata the update does not carry stays on the message.
        var content = raw
        if body["metadata"] == nil {
            var merged = body
            merged["metadata"] = message(channel: channel, ts: ts)?["metadata"]
            if merged["metadata"] != nil, let data = try? JSONSerialization.data(withJSONObject: merged) {
                content = [UInt8](data)
            }
        }
        let found: Bool = state.withLock { s in
            guard s.messages["\(channel)/\(ts)"] != nil else { return false }
            s.messages["\(channel)/\(ts)"] = content
            return true
        }
        return found ? Self.ok(["channel": channel, "ts": ts]) : Self.error("message_not_found")
    }

    private func postEphemeral(_ body: [String: Any]) -> HTTPResponse {
        guard let channel = body["channel"] as? String, !channel.isEmpty else { return Self.error("channel_not_found") }
        guard let user = body["user"] as? String, !user.isEmpty else { return Self.error("user_not_found") }
        if let problem = Self.contentProblem(body) { return Self.error(problem) }
        let ts: String? = state.withLock { s in
            if s.channelsWithoutBot.contains(channel) { return nil }
            s.tsCounter += 1
            return "\(1_700_000_000 + s.tsCounter).000200"
        }
        guard let ts else { return Self.error("not_in_channel") }
        return Self.ok(["message_ts": ts])
    }

    private func openConversation(_ body: [String: Any]) -> HTTPResponse {
        guard let users = body["users"] as? String, !users.isEmpty else { return Self.error("users_list_not_supplied") }
        let ids = users.split(separator: ",").map(String.init)
        let channel = ids.count == 1 ? "D\(ids[0].dropFirst())" : "G" + ids.map { $0.dropFirst() }.joined()
        return Self.ok(["channel": ["id": channel]])
    }

    /// `conversations.history`: the channel's messages posted at or after `oldest`, newest first, in one page.
    private func history(_ query: [String: String]) -> HTTPResponse {
        guard let channel = query["channel"], !channel.isEmpty else { return Self.error("channel_not_found") }
        if state.withLock({ s in s.channelsWithoutBot.contains(channel) }) { return Self.error("not_in_channel") }
        let oldest = query["oldest"].flatMap(Double.init).map { Date(timeIntervalSince1970: $0) } ?? .distantPast
        let withMetadata = query["include_all_metadata"] == "true"
        let prefix = "\(channel)/"
        let stored = state.withLock { s in
            s.messages.filter { $0.key.hasPrefix(prefix) && (s.postedAt[$0.key] ?? .distantPast) >= oldest }
        }
        let messages: [[String: Any]] = stored.keys.sorted(by: >).map { key in
            let body = (try? JSONSerialization.jsonObject(with: Data(stored[key]!))) as? [String: Any] ?? [:]
            var message: [String: Any] = [
                "type": "message", "ts": String(key.dropFirst(prefix.count)), "bot_id": "B0SLIPWAY",
                "text": body["text"] as? String ?? "",
            ]
            if withMetadata, let metadata = body["metadata"] { message["metadata"] = metadata }
            return message
        }
        return Self.ok(["messages": messages, "has_more": false])
    }

    /// `usergroups.users.list`: `{"ok":true,"users":[…]}`, or `no_such_subteam`.
    private func usergroupMembers(_ group: String?) -> HTTPResponse {
        guard let group, !group.isEmpty else { return Self.error("invalid_arguments") }
        guard let members = state.withLock({ s in s.usergroups[group] }) else { return Self.error("no_such_subteam") }
        return Self.ok(["users": members])
    }

    private func lookupByEmail(_ email: String?) -> HTTPResponse {
        guard let email, !email.isEmpty else { return Self.error("invalid_arguments") }
        guard let id = state.withLock({ s in s.directory[email.lowercased()] }) else {
            return Self.error("users_not_found")
        }
        return Self.ok(["user": ["id": id, "profile": ["email": email]]])
    }

    private func respondToResponseURL(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == .post else { return .text(405, "method_not_allowed") }
        let uses = state.withLock { s in
            s.responseURLUses[request.path, default: 0] += 1
            return s.responseURLUses[request.path]!
        }
        if uses > Self.responseURLUseLimit { return .json(404, #"{"ok":false,"error":"used_url"}"#) }
        guard let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return .json(400, #"{"ok":false,"error":"invalid_payload"}"#)
        }
        if let problem = Self.contentProblem(body) { return .json(400, #"{"ok":false,"error":"\#(problem)"}"#) }
        return .json(200, #"{"ok":true}"#)
    }

    /// The checks Slack makes on message content that a fake can make cheaply.
    private static func contentProblem(_ body: [String: Any]) -> String? {
        let text = body["text"] as? String
        let blocks = body["blocks"]
        if blocks == nil && (text ?? "").isEmpty { return "no_text" }
        if let blocks {
            guard let list = blocks as? [[String: Any]], list.count <= 50,
                list.allSatisfy({ $0["type"] is String })
            else { return "invalid_blocks" }
        }
        return nil
    }

    private static func ok(_ fields: [String: Any]) -> HTTPResponse {
        var object = fields
        object["ok"] = true
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return .json(200, [UInt8](data))
    }

    private static func error(_ code: String) -> HTTPResponse {
        .json(200, #"{"ok":false,"error":"\#(code)"}"#)
    }

    static func decodeQuery(_ query: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decodeComponent(parts[0])
            if items[name] == nil { items[name] = parts.count > 1 ? decodeComponent(parts[1]) : "" }
        }
        return items
    }

    private static func decodeComponent(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
