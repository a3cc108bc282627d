/// A failed PagerDuty Events API v2 call.
///
/// The description never contains the routing key.
public struct PagerDutyError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        /// 400: PagerDuty rejected the event; resending it will not help.
        case invalidEvent(message: String, errors: [String])
        /// 429: too many events for this routing key.
        case rateLimited
        /// Another status without the documented answer (5xx is retryable).
        case httpStatus(Int)
        /// No response at all.
        case transport(String)
    }

    private let kind: Code
    /// The HTTP status, when a response arrived.
    public let httpStatus: Int?
    /// Seconds from a `Retry-After` header, when PagerDuty sent one.
    public let retryAfterSeconds: Int?

    private init(_ kind: Code, httpStatus: Int?, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// PagerDuty answered 400 with its `message` and `errors`.
    public static func invalidEvent(message: String, errors: [String]) -> PagerDutyError {
        PagerDutyError(.invalidEvent(message: message, errors: errors), httpStatus: 400)
    }

    /// PagerDuty answered 429.
    public static func rateLimited(retryAfterSeconds: Int?) -> PagerDutyError {
        PagerDutyError(.rateLimited, httpStatus: 429, retryAfterSeconds: retryAfterSeconds)
    }

    /// Another status without the documented answer.
    public static func httpStatus(_ status: Int) -> PagerDutyError {
        PagerDutyError(.httpStatus(status), httpStatus: status)
    }

    /// No response arrived.
    public static func transport(_ reason: String) -> PagerDutyError {
        PagerDutyError(.transport(reason), httpStatus: nil)
    }

    /// Whether resending the same event may succeed: 429, 5xx and transport failures.
    public var isRetryable: Bool {
        switch kind {
        case .invalidEvent: false
        case .rateLimited, .transport: true
        case .httpStatus(let status): status >= 500
        }
    }

    /// How long to wait before resending, when PagerDuty said so.
    public var retryAfter: Duration? { retryAfterSeconds.map { .seconds($0) } }

    /// PagerDuty's explanation for a rejected event (`message` and `errors` of the 400 answer), else nil.
    public var message: String? {
        guard case .invalidEvent(let message, let errors) = kind else { return nil }
        return errors.isEmpty ? message : "\(message): \(errors.joined(separator: "; "))"
    }

    public var description: String {
        switch kind {
        case .invalidEvent: "PagerDuty rejected the event: \(message ?? "invalid event")"
        case .rateLimited: "PagerDuty rate limit reached (HTTP 429)"
        case .httpStatus(let status): "PagerDuty answered HTTP \(status)"
        case .transport(let reason): "PagerDuty not reached: \(reason)"
        }
    }
}
