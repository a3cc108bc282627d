import Foundation
import SlipwayHTTP

/// Reads who is on call now from the PagerDuty REST API (`GET /oncalls`), on an injected ``HTTPClient``.
///
/// One attempt per call; the caller caches the answer and falls back to a configured list when it fails. The token
/// is sent only to the configured API base, and no description shows it.
public struct PagerDutyOnCallClient: Sendable, CustomStringConvertible, CustomReflectable {
    /// One person on call in one schedule.
    public struct OnCall: Sendable, Hashable {
        /// The PagerDuty user id (`P…`).
        public var userId: String
        /// Their name (`user.summary`).
        public var name: String
        /// Their login email, when the answer included users (`include[]=users`).
        public var email: String?
        public var scheduleId: String?
        /// 1 for the first responder.
        public var escalationLevel: Int

        public init(userId: String, name: String, email: String?, scheduleId: String?, escalationLevel: Int) {
            self.userId = userId
            self.name = name
            self.email = email
            self.scheduleId = scheduleId
            self.escalationLevel = escalationLevel
        }
    }

    /// Why the on-call list could not be read.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The HTTP status, when an answer arrived.
        public var httpStatus: Int?
        public var description: String
    }

    private let http: any HTTPClient
    private let token: String
    /// The REST API base, e.g. `https://api.pagerduty.com`.
    public let apiURL: String
    public let timeout: Double

    /// - Parameters:
    ///   - httpClient: Performs the requests.
    ///   - token: A REST API token, sent as `Authorization: Token token=…`.
    ///   - apiURL: The REST API base URL.
    ///   - timeout: Whole-request timeout in seconds.
    public init(
        httpClient: any HTTPClient, token: String, apiURL: String = "https://api.pagerduty.com", timeout: Double = 5
    ) {
        self.http = httpClient
        self.token = token
        var base = apiURL
        while base.hasSuffix("/") { base.removeLast() }
        self.apiURL = base
        self.timeout = timeout
    }

    public var description: String { "PagerDutyOnCallClient(\(apiURL))" }
    public var customMirror: Mirror { Mirror(self, children: ["apiURL": apiURL]) }

    /// The first responders on call now in `scheduleIds`: for each schedule, the people at its lowest escalation
    /// level (`earliest=true`, `include[]=users` so the answer carries their emails).
    /// - Throws: ``Failure`` for a transport error, a non-2xx answer or a body that is not an on-call list.
    public func onCallNow(scheduleIds: [String]) async throws(Failure) -> [OnCall] {
        var query = scheduleIds.map { "schedule_ids%5B%5D=\(SlackWebClient.percentEncodeQueryValue($0))" }
        query += ["include%5B%5D=users", "earliest=true", "time_zone=UTC", "limit=100"]
        let request = HTTPClientRequest(
            method: .get, url: "\(apiURL)/oncalls?" + query.joined(separator: "&"),
            headers: [
                "Authorization": "Token token=\(token)", "Accept": "application/vnd.pagerduty+json;version=2",
            ], timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.perform(request)
        } catch let error as HTTPClientError {
            throw Failure(httpStatus: nil, description: "PagerDuty unreachable: \(error.kindAndReason)")
        } catch {
            throw Failure(httpStatus: nil, description: "PagerDuty unreachable")
        }
        return try Self.interpret(response)
    }

    static func interpret(_ response: HTTPResponse) throws(Failure) -> [OnCall] {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        guard (200..<300).contains(response.status) else {
            let message = (object?["error"] as? [String: Any])?["message"] as? String
            throw Failure(
                httpStatus: response.status,
                description: "PagerDuty answered HTTP \(response.status)" + (message.map { ": \($0)" } ?? ""))
        }
        guard let entries = object?["oncalls"] as? [[String: Any]] else {
            throw Failure(httpStatus: response.status, description: "PagerDuty's answer has no `oncalls` list")
        }
        let all = entries.compactMap { entry -> OnCall? in
            guard let user = entry["user"] as? [String: Any], let id = user["id"] as? String else { return nil }
            return OnCall(
                userId: id, name: user["summary"] as? String ?? user["name"] as? String ?? id,
                email: user["email"] as? String, scheduleId: (entry["schedule"] as? [String: Any])?["id"] as? String,
                escalationLevel: entry["escalation_level"] as? Int ?? 1)
        }
        // The first responders of each schedule; a person on call in two schedules counts once.
        var lowest: [String: Int] = [:]
        for call in all {
            lowest[call.scheduleId ?? "", default: .max] = min(
                lowest[call.scheduleId ?? ""] ?? .max, call.escalationLevel)
        }
        var seen: Set<String> = []
        return all.filter { call in
            call.escalationLevel == lowest[call.scheduleId ?? ""] && seen.insert(call.userId).inserted
        }
    }
}
