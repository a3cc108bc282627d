import SlipwayHTTP

/// A failed Kubernetes API call: an error status with the API's `Status` reason and message, a transport failure,
/// an answer that could not be decoded, or a configuration problem.
///
/// `description` names the method and path (never the token or the query string).
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    /// How a request failed without an HTTP answer.
    public enum Transport: String, Sendable, Hashable {
        /// Nothing listens at the API server address, or it is unreachable.
        case connectionRefused
        /// The request timed out.
        case timeout
        /// TLS handshake or certificate verification failed.
        case tls
        case other
    }

    private enum Code: Sendable {
        case status(Int, reason: String?, message: String?, retryAfter: Double?)
        case transport(Transport, detail: String)
        case decoding(String)
        case configuration(String)
        case invalidRequest(String)
    }

    private let code: Code
    /// The HTTP method of the failed call (empty for configuration errors).
    public let method: String
    /// The API path of the failed call, without query string.
    public let path: String

    private init(_ code: Code, method: String, path: String) {
        self.code = code
        self.method = method
        self.path = path
    }

    static func status(
        _ status: Int, reason: String?, message: String?, retryAfter: Double?, method: String, path: String
    ) -> KubernetesError {
        KubernetesError(
            .status(status, reason: reason, message: message, retryAfter: retryAfter), method: method, path: path)
    }

    static func transport(_ kind: Transport, detail: String, method: String, path: String) -> KubernetesError {
        KubernetesError(.transport(kind, detail: detail), method: method, path: path)
    }

    static func decoding(_ detail: String, method: String, path: String) -> KubernetesError {
        KubernetesError(.decoding(detail), method: method, path: path)
    }

    static func configuration(_ problem: String) -> KubernetesError {
        KubernetesError(.configuration(problem), method: "", path: "")
    }

    static func invalidRequest(_ problem: String, method: String, path: String) -> KubernetesError {
        KubernetesError(.invalidRequest(problem), method: method, path: path)
    }

    /// The HTTP status, when the API server answered.
    public var status: Int? {
        if case .status(let status, _, _, _) = code { return status }
        return nil
    }

    /// The API `Status` object's `reason`, e.g. `NotFound`, `Unauthorized`, `Conflict`.
    public var apiReason: String? {
        if case .status(_, let reason, _, _) = code { return reason }
        return nil
    }

    /// The API `Status` object's `message`, e.g. `pods "x" not found`.
    public var apiMessage: String? {
        if case .status(_, _, let message, _) = code { return message }
        return nil
    }

    /// The transport failure, when no HTTP answer came.
    public var transport: Transport? {
        if case .transport(let kind, _) = code { return kind }
        return nil
    }

    /// Seconds the server asked to wait (`Retry-After` on 429 / 503).
    public var retryAfterSeconds: Double? {
        if case .status(_, _, _, let retryAfter) = code { return retryAfter }
        return nil
    }

    public var isUnauthorized: Bool { status == 401 }
    public var isForbidden: Bool { status == 403 }
    public var isNotFound: Bool { status == 404 }
    public var isConflict: Bool { status == 409 }
    public var isConnectionRefused: Bool { transport == .connectionRefused }
    public var isTimeout: Bool { transport == .timeout || status == 504 }
    public var isDecodingFailure: Bool {
        if case .decoding = code { return true }
        return false
    }
    public var isConfigurationError: Bool {
        if case .configuration = code { return true }
        return false
    }

    /// Whether repeating the same call may succeed: 5xx, 429 and transport failures (other than TLS).
    public var isRetryable: Bool {
        switch code {
        case .status(let status, _, _, _): status == 429 || (500...599).contains(status)
        case .transport(let kind, _): kind != .tls
        case .decoding, .configuration, .invalidRequest: false
        }
    }

    public var description: String {
        let call = "Kubernetes API \(method) \(path)"
        switch code {
        case .status(let status, let reason, let message, _):
            var text = "\(call) answered \(status)"
            if let reason, !reason.isEmpty { text += " \(reason)" }
            if let message, !message.isEmpty { text += ": \(message)" }
            if status == 401 { text += " (check the service account token or the configured token variable)" }
            if status == 403 { text += " (the service account lacks an RBAC permission for this call)" }
            return text
        case .transport(let kind, let detail):
            let what: String
            switch kind {
            case .connectionRefused: what = "could not connect to the API server"
            case .timeout: what = "timed out"
            case .tls: what = "failed TLS verification (check the CA file)"
            case .other: what = "failed"
            }
            return "\(call) \(what): \(detail)"
        case .decoding(let detail):
            return "\(call) returned a body Slipway could not read: \(detail)"
        case .configuration(let problem):
            return "Kubernetes configuration: \(problem)"
        case .invalidRequest(let problem):
            return "\(call) not sent: \(problem)"
        }
    }
}
