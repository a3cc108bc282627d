import Foundation
import SlipwayHTTP

/// Sends PagerDuty Events API v2 events (trigger and resolve) on an injected ``HTTPClient``.
///
/// Each call makes exactly one attempt; the outbox retries when ``PagerDutyError/isRetryable``.
public struct PagerDutyClient: Sendable, CustomStringConvertible {
    /// How bad the problem is (`payload.severity`).
    public enum Severity: String, Sendable, Hashable, Codable {
        case critical, error, warning, info
    }

    /// A link shown on the incident (`links[]`).
    public struct Link: Sendable, Hashable, Codable {
        public var href: String
        public var text: String
        public init(href: String, text: String) {
            self.href = href
            self.text = text
        }
    }

    /// PagerDuty's summary limit.
    public static let summaryLimit = 1024

    private let http: any HTTPClient
    /// The enqueue endpoint, `https://events.pagerduty.com/v2/enqueue` unless configured otherwise.
    public let eventsURL: String
    /// Whole-request timeout in seconds.
    public let timeout: Double

    /// - Parameters:
    ///   - httpClient: Performs the requests.
    ///   - eventsURL: The Events API v2 enqueue URL.
    ///   - timeout: Whole-request timeout in seconds.
    public init(
        httpClient: any HTTPClient, eventsURL: String = "https://events.pagerduty.com/v2/enqueue", timeout: Double = 10
    ) {
        self.http = httpClient
        self.eventsURL = eventsURL
        self.timeout = timeout
    }

    public var description: String { "PagerDutyClient(\(eventsURL))" }

    /// Opens (or adds to) an alert.
    /// - Parameters:
    ///   - routingKey: The service integration key.
    ///   - dedupKey: Groups events into one alert (at most 255 characters); use the deploy id so repeats collapse
    ///     and ``resolve(routingKey:dedupKey:)`` closes it.
    ///   - summary: One line shown on the alert (cut to 1024 characters).
    ///   - source: The affected system, e.g. `prod/api`.
    ///   - severity: `critical`, `error`, `warning` or `info`.
    ///   - component: The affected component, e.g. the service.
    ///   - group: A logical grouping, e.g. the environment.
    ///   - links: Links shown on the incident (runbook, Slack thread).
    ///   - customDetails: Extra key/values shown on the alert.
    /// - Returns: The dedup key PagerDuty answered with.
    /// - Throws: ``PagerDutyError``.
    @discardableResult
    public func trigger(
        routingKey: String, dedupKey: String, summary: String, source: String, severity: Severity,
        component: String? = nil, group: String? = nil, links: [Link] = [], customDetails: [String: String] = [:]
    ) async throws(PagerDutyError) -> String {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.field("routing_key", routingKey)
        writer.field("event_action", "trigger")
        writer.field("dedup_key", dedupKey)
        writer.field("client", "Slipway")
        writer.key("payload")
        writer.beginObject()
        writer.field("summary", SlackText.truncate(summary, to: Self.summaryLimit, marker: "…"))
        writer.field("source", source)
        writer.field("severity", severity.rawValue)
        writer.field("component", component)
        writer.field("group", group)
        if !customDetails.isEmpty { writer.field("custom_details", customDetails) }
        writer.endObject()
        if !links.isEmpty {
            writer.key("links")
            writer.beginArray()
            for link in links {
                writer.beginObject()
                writer.field("href", link.href)
                writer.field("text", link.text)
                writer.endObject()
            }
            writer.endArray()
        }
        writer.endObject()
        return try await send(writer.bytes) ?? dedupKey
    }

    /// Resolves the alert opened with `dedupKey`.
    /// - Throws: ``PagerDutyError``.
    public func resolve(routingKey: String, dedupKey: String) async throws(PagerDutyError) {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("routing_key", routingKey)
        writer.field("event_action", "resolve")
        writer.field("dedup_key", dedupKey)
        writer.endObject()
        _ = try await send(writer.bytes)
    }

    /// Posts an event and returns the `dedup_key` of a 202 answer.
    private func send(_ body: [UInt8]) async throws(PagerDutyError) -> String? {
        let request = HTTPClientRequest(
            method: .post, url: eventsURL, headers: ["Content-Type": "application/json"], body: body,
            timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.perform(request)
        } catch let error as HTTPClientError {
            throw .transport(error.kindAndReason)
        } catch {
            throw .transport("request failed")
        }
        return try Self.interpret(response)
    }

    static func interpret(_ response: HTTPResponse) throws(PagerDutyError) -> String? {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        switch response.status {
        case 200..<300:
            return object?["dedup_key"] as? String
        case 400:
            throw .invalidEvent(
                message: object?["message"] as? String ?? "invalid event",
                errors: object?["errors"] as? [String] ?? [])
        case 429:
            let retryAfter = response.headers["Retry-After"].flatMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
            throw .rateLimited(retryAfterSeconds: retryAfter)
        default:
            throw .httpStatus(response.status)
        }
    }
}
