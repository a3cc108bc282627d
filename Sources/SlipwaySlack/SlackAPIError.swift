/// A failed Slack Web API or `response_url` call.
///
/// The description names the method and Slack's error code; it never contains the bot token, request bodies or
/// query strings.
public struct SlackAPIError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        /// `{"ok":false,"error":…}` or an error word in a non-2xx body.
        case api(String)
        /// HTTP 429.
        case rateLimited
        /// Another non-2xx status without an error code.
        case httpStatus(Int)
        /// No response at all (connection refused, timeout, TLS).
        case transport(String)
        /// A 2xx answer that is not the documented JSON.
        case invalidResponse
    }

    /// Slack error codes that describe a temporary condition on Slack's side.
    private static let retryableCodes: Set<String> = [
        "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    ]

    private let kind: Code
    /// The Web API method (`chat.postMessage`) or `response_url`.
    public let method: String
    /// The HTTP status, when a response arrived.
    public let httpStatus: Int?
    /// Seconds from the `Retry-After` header of a 429 answer, when present.
    public let retryAfterSeconds: Int?

    private init(_ kind: Code, method: String, httpStatus: Int?, retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.method = method
        self.httpStatus = httpStatus
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Slack answered `{"ok":false,"error":code}` (or an error word with a non-2xx status).
    public static func api(_ code: String, method: String, httpStatus: Int) -> SlackAPIError {
        SlackAPIError(.api(code), method: method, httpStatus: httpStatus)
    }

    /// Slack answered 429, with the `Retry-After` seconds when present.
    public static func rateLimited(method: String, retryAfterSeconds: Int?) -> SlackAPIError {
        SlackAPIError(.rateLimited, method: method, httpStatus: 429, retryAfterSeconds: retryAfterSeconds)
    }

    /// Another non-2xx status without an error code.
    public static func httpStatus(_ status: Int, method: String) -> SlackAPIError {
        SlackAPIError(.httpStatus(status), method: method, httpStatus: status)
    }

    /// No response arrived; `reason` is the transport failure kind and curl's message (never a URL path, query or
    /// header).
    public static func transport(_ reason: String, method: String) -> SlackAPIError {
        SlackAPIError(.transport(reason), method: method, httpStatus: nil)
    }

    /// A 2xx answer that is not the documented JSON.
    public static func invalidResponse(method: String, httpStatus: Int) -> SlackAPIError {
        SlackAPIError(.invalidResponse, method: method, httpStatus: httpStatus)
    }

    /// Slack's error code, e.g. `not_in_channel`, `channel_not_found`, `invalid_auth`, `ratelimited`; or
    /// `http_503`, `transport_error`, `invalid_response` for failures below the API.
    public var code: String {
        switch kind {
        case .api(let code): code
        case .rateLimited: "ratelimited"
        case .httpStatus(let status): "http_\(status)"
        case .transport: "transport_error"
        case .invalidResponse: "invalid_response"
        }
    }

    /// Whether the same call may succeed later: rate limits, 5xx answers, transport failures and Slack's own
    /// temporary errors. Everything else (bad channel, bad token, bad blocks) will fail again.
    public var isRetryable: Bool {
        switch kind {
        case .api(let code): Self.retryableCodes.contains(code)
        case .rateLimited, .transport: true
        case .httpStatus(let status): status >= 500
        case .invalidResponse: false
        }
    }

    /// How long Slack asked to wait, from `Retry-After`.
    public var retryAfter: Duration? { retryAfterSeconds.map { .seconds($0) } }

    public var description: String {
        var text = "Slack \(method) failed: \(code)"
        if case .transport(let reason) = kind { text += " (\(reason))" }
        if let httpStatus, case .api = kind, httpStatus != 200 { text += " (HTTP \(httpStatus))" }
        if let retryAfterSeconds { text += "; retry after \(retryAfterSeconds) s" }
        return text
    }
}
