import DeployCore
import Foundation
import SlipwaySlack

/// Why a delivery attempt failed, and whether trying again may help.
struct DeliveryFailure: Error {
    var reason: String
    var retryable: Bool
    /// Seconds the service asked Slipway to wait (`Retry-After`).
    var retryAfter: Double? = nil
    /// Slack's error code (`not_in_channel`), when Slack answered.
    var code: String? = nil

    /// A failure that no retry can fix.
    static func permanent(_ reason: String) -> DeliveryFailure {
        DeliveryFailure(reason: reason, retryable: false)
    }

    init(reason: String, retryable: Bool, retryAfter: Double? = nil, code: String? = nil) {
        self.reason = reason
        self.retryable = retryable
        self.retryAfter = retryAfter
        self.code = code
    }

    init(_ error: SlackAPIError) {
        self.init(
            reason: error.description, retryable: error.isRetryable,
            retryAfter: error.retryAfterSeconds.map(Double.init), code: error.code)
    }

    init(_ error: PagerDutyError) {
        self.init(
            reason: "pagerduty: \(error.description)", retryable: error.isRetryable,
            retryAfter: error.retryAfterSeconds.map(Double.init))
    }

    /// Runs one Slack call; a Slack error becomes a delivery failure.
    @discardableResult
    static func slack<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as SlackAPIError {
            throw DeliveryFailure(error)
        }
    }

    /// This failure with a `response_url` (or its path) taken out of the reason, should an error have quoted it:
    /// the reason is logged and stored, and shown in `/status`.
    func redacted(for target: OutboxTarget) -> DeliveryFailure {
        guard case .response(let url) = target else { return self }
        var copy = self
        copy.reason = copy.reason.replacingOccurrences(of: url.url, with: "response_url")
        if let path = URLComponents(string: url.url)?.path, path.count > 1 {
            copy.reason = copy.reason.replacingOccurrences(of: path, with: "/…")
        }
        return copy
    }
}
