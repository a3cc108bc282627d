import Foundation
import SlipwayHTTP
import Synchronization

/// A stand-in for the PagerDuty Events API v2 (`POST /v2/enqueue`), served over real HTTP on loopback.
///
/// It validates events as PagerDuty does (32-character `routing_key`, `event_action`, and for a trigger
/// `payload.summary`, `payload.source`, `payload.severity`), answers 202 `{"status":"success",…}` or 400
/// `{"status":"invalid event",…}`, records every request and tracks which alerts are open.
public final class FakePagerDuty: Sendable {
    /// One recorded event.
    public struct Event: Sendable {
        public let headers: HTTPHeaders
        public let body: [UInt8]
        /// When the fake received it.
        public let receivedAt: Date
        /// The HTTP status the fake answered with (0 until answered).
        public internal(set) var httpStatus: Int = 0

        /// Whether PagerDuty accepted the event (HTTP 202).
        public var accepted: Bool { httpStatus == 202 }

        /// The JSON body as an object.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
        /// `event_action`: trigger, acknowledge or resolve.
        public var eventAction: String? { json?["event_action"] as? String }
        public var dedupKey: String? { json?["dedup_key"] as? String }
        public var routingKey: String? { json?["routing_key"] as? String }
        /// `payload` of a trigger event.
        public var payload: [String: Any]? { json?["payload"] as? [String: Any] }
    }

    /// A failure to answer the next event with.
    public enum Failure: Sendable, Equatable {
        /// HTTP 429, with `Retry-After` when given.
        case rateLimit(retryAfter: Int?)
        /// HTTP 500.
        case serverError
    }

    /// A routing key of the shape PagerDuty accepts (32 characters), for tests.
    public static let exampleRoutingKey = "R0UT1NGKEY0000000000000000000001"

    private let server = FakeServer()
    /// The REST API's `GET /oncalls`, with settable schedules.
    public let schedules = FakePagerDutySchedules()
    private let state = Mutex(State())

    private struct State {
        var recorded: [Event] = []
        var pendingFailures: [Failure] = []
        var outage = false
        var open: Set<String> = []
        var generatedKeys = 0
    }

    /// Starts the fake on a free loopback port.
    /// - Throws: `HTTPServerError` when it cannot listen.
    public init() throws {
        try server.start(serving: self) { fake, request in fake.handle(request) }
    }

    /// Stops listening.
    public func stop() { server.stop() }

    /// The enqueue URL to configure, e.g. `http://127.0.0.1:54321/v2/enqueue`.
    public var eventsURL: String { "http://127.0.0.1:\(server.port)/v2/enqueue" }

    /// The REST API base URL to configure (`onCall.pagerduty.apiURL`).
    public var apiURL: String { "http://127.0.0.1:\(server.port)" }

    /// Recorded requests, oldest first (including rejected ones).
    public var events: [Event] { state.withLock { s in s.recorded } }

    /// Events PagerDuty accepted, oldest first.
    public var acceptedEvents: [Event] { events.filter(\.accepted) }

    /// Dedup keys of alerts triggered and not yet resolved.
    public var openAlerts: Set<String> { state.withLock { s in s.open } }

    /// Makes the next request fail (failures queue up, one per request).
    public func failNext(with failure: Failure) { state.withLock { s in s.pendingFailures.append(failure) } }

    /// While on, every request gets HTTP 503.
    public func setOutage(_ on: Bool) { state.withLock { s in s.outage = on } }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        if request.path == "/oncalls" { return schedules.handle(request) }
        guard request.path == "/v2/enqueue" else { return .json(404, #"{"status":"not found"}"#) }
        guard request.method == .post else { return .json(405, #"{"status":"method not allowed"}"#) }
        let event = Event(headers: request.headers, body: request.body, receivedAt: Date())
        let (index, isOutage, failure): (Int, Bool, Failure?) = state.withLock { s in
            s.recorded.append(event)
            let index = s.recorded.count - 1
            if s.outage { return (index, true, nil) }
            return (index, false, s.pendingFailures.isEmpty ? nil : s.pendingFailures.removeFirst())
        }
        let response = answer(event, isOutage: isOutage, failure: failure)
        state.withLock { s in if index < s.recorded.count { s.recorded[index].httpStatus = response.status } }
        return response
    }

    private func answer(_ event: Event, isOutage: Bool, failure: Failure?) -> HTTPResponse {
        if isOutage { return .text(503, "Service Unavailable") }
        switch failure {
        case .rateLimit(let seconds)?:
            var response = HTTPResponse.json(
                429,
                #"{"status":"throttle event","message":"Requests for this service are arriving too quickly.  Please retry later."}"#
            )
            if let seconds { response.headers.add(name: "Retry-After", value: String(seconds)) }
            return response
        case .serverError?: return .text(500, "Internal Server Error")
        case nil: break
        }
        guard let json = event.json else { return Self.invalid(["Event object is not valid JSON"]) }
        var errors: [String] = []
        let routingKey = json["routing_key"] as? String ?? ""
        if routingKey.count != 32 { errors.append("Length of 'routing_key' is incorrect (should be 32 characters)") }
        let action = json["event_action"] as? String ?? ""
        if !["trigger", "acknowledge", "resolve"].contains(action) {
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        }
        let givenKey = json["dedup_key"] as? String
        if action != "trigger", (givenKey ?? "").isEmpty { errors.append("'dedup_key' is missing or blank") }
        if let givenKey, givenKey.count > 255 { errors.append("'dedup_key' is too long (maximum is 255 characters)") }
        if action == "trigger" {
            let payload = json["payload"] as? [String: Any]
            for field in ["summary", "source"] where (payload?[field] as? String ?? "").isEmpty {
                errors.append("'payload.\(field)' is missing or blank")
            }
            if let summary = payload?["summary"] as? String, summary.count > 1024 {
                errors.append("'payload.summary' is too long (maximum is 1024 characters)")
            }
            let severity = payload?["severity"] as? String ?? ""
            if !["critical", "error", "warning", "info"].contains(severity) {
                errors.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
            }
        }
        guard errors.isEmpty else { return Self.invalid(errors) }
        let dedupKey: String = state.withLock { s in
            let key: String
            if let givenKey, !givenKey.isEmpty {
                key = givenKey
            } else {
                s.generatedKeys += 1
                key = "generated-\(s.generatedKeys)"
            }
            if action == "trigger" { s.open.insert(key) } else if action == "resolve" { s.open.remove(key) }
            return key
        }
        let body = try? JSONSerialization.data(
            withJSONObject: ["status": "success", "message": "Event processed", "dedup_key": dedupKey],
            options: [.sortedKeys])
        return .json(202, [UInt8](body ?? Data()))
    }

    private static func invalid(_ errors: [String]) -> HTTPResponse {
        let body = try? JSONSerialization.data(
            withJSONObject: ["status": "invalid event", "message": "Event object is invalid", "errors": errors],
            options: [.sortedKeys])
        return .json(400, [UInt8](body ?? Data()))
    }
}
