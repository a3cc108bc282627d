import Foundation
import SlipwayHTTP
import Synchronization

/// The PagerDuty REST API's `GET /oncalls` for ``FakePagerDuty``: settable schedules, the documented query
/// (`schedule_ids[]`, `include[]=users`, `earliest`, `time_zone`), `Authorization: Token token=…` and
/// `Accept: application/vnd.pagerduty+json;version=2`, and the documented answer
/// `{"oncalls":[{"user":{…},"schedule":{…},"escalation_level":1,…}],"limit":…,"offset":0,"more":false}`.
public final class FakePagerDutySchedules: Sendable {
    /// A person on call.
    public struct Person: Sendable, Hashable {
        public var id: String
        public var name: String
        public var email: String
        public init(id: String, name: String, email: String) {
            self.id = id
            self.name = name
            self.email = email
        }
    }

    /// The REST API token the fake accepts.
    public static let apiToken = "pd-rest-token-0001"

    private struct State {
        var onCall: [String: [Person]] = [:]
        var outage = false
        var requests: [HTTPRequest] = []
    }
    private let state = Mutex(State())

    init() {}

    /// Puts `people` on call (first escalation level) in `schedule`, replacing whoever was.
    public func setOnCall(schedule: String, _ people: [Person]) {
        state.withLock { $0.onCall[schedule] = people }
    }

    /// While on, `/oncalls` answers 503.
    public func setOutage(_ on: Bool) { state.withLock { $0.outage = on } }

    /// The `/oncalls` requests received, oldest first.
    public var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let (onCall, outage) = state.withLock { s in
            s.requests.append(request)
            return (s.onCall, s.outage)
        }
        if outage { return .text(503, "Service Unavailable") }
        guard request.method == .get else { return Self.error(405, 2100, "Method not allowed") }
        guard request.headers["Authorization"] == "Token token=\(Self.apiToken)" else {
            return Self.error(401, 2006, "Unauthorized")
        }
        guard request.headers["Accept"]?.contains("application/vnd.pagerduty+json;version=2") == true else {
            return Self.error(406, 2001, "Not acceptable: ask for application/vnd.pagerduty+json;version=2")
        }
        var schedules: [String] = []
        var includes: [String] = []
        for pair in request.query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).removingPercentEncoding ?? String($0)
            }
            guard parts.count == 2 else { continue }
            if parts[0] == "schedule_ids[]" { schedules.append(parts[1]) }
            if parts[0] == "include[]" { includes.append(parts[1]) }
        }
        let withUsers = includes.contains("users")
        var entries: [[String: Any]] = []
        for schedule in schedules {
            for person in onCall[schedule] ?? [] {
                var user: [String: Any] = [
                    "id": person.id, "summary": person.name, "self": "https://api.pagerduty.com/users/\(person.id)",
                    "html_url": "https://nortinia.pagerduty.com/users/\(person.id)",
                ]
                if withUsers {
                    user["type"] = "user"
                    user["name"] = person.name
                    user["email"] = person.email
                    user["time_zone"] = "Etc/UTC"
                } else {
                    user["type"] = "user_reference"
                }
                entries.append([
                    "user": user,
                    "schedule": ["id": schedule, "type": "schedule_reference", "summary": "Schedule \(schedule)"],
                    "escalation_policy": ["id": "PEP0001", "type": "escalation_policy_reference"],
                    "escalation_level": 1, "start": "2026-12-01T00:00:00Z", "end": "2026-12-08T00:00:00Z",
                ])
            }
        }
        let body: [String: Any] = ["oncalls": entries, "limit": 100, "offset": 0, "more": false, "total": NSNull()]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return .json(200, [UInt8](data))
    }

    private static func error(_ status: Int, _ code: Int, _ message: String) -> HTTPResponse {
        .json(status, #"{"error":{"message":"\#(message)","code":\#(code)}}"#)
    }
}
