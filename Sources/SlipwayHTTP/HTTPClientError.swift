/// A transport failure of an outbound request: no HTTP response was received.
///
/// The description names the method, the URL's origin (scheme, host and port) and curl's reason; it never contains
/// the URL's path, query or credentials (a Slack `response_url`'s path is a credential), request headers (they carry
/// bearer tokens) or bodies.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The broad class of failure, for retry decisions and metrics. New kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No connection could be made: refused (nothing listens on the port) or the host is unreachable.
        public static let connectionRefused = Kind("connectionRefused")
        /// The connect or whole-transfer timeout passed.
        public static let timeout = Kind("timeout")
        /// TLS handshake or certificate verification failed, or the CA file could not be read.
        public static let tls = Kind("tls")
        /// Anything else: name resolution, a malformed URL, a connection reset, an invalid request header.
        public static let other = Kind("other")

        /// The kind's name, e.g. `timeout`, for logs and metric labels.
        public var description: String { name }
    }

    private enum Code: Sendable {
        case curl(kind: Kind, reason: String)
        case invalidHeader(name: String)
        case setup(reason: String)
    }

    private let code: Code
    /// The request method, e.g. `POST`.
    public let method: String
    /// The request URL's origin, e.g. `https://hooks.slack.com`: never its path, query or credentials.
    public let url: String

    private init(_ code: Code, method: String, url: String) {
        self.code = code
        self.method = method
        self.url = url
    }

    static func curl(kind: Kind, reason: String, method: String, url: String) -> HTTPClientError {
        HTTPClientError(.curl(kind: kind, reason: reason), method: method, url: url)
    }

    static func invalidHeader(name: String, method: String, url: String) -> HTTPClientError {
        HTTPClientError(.invalidHeader(name: name), method: method, url: url)
    }

    static func setup(reason: String, method: String, url: String) -> HTTPClientError {
        HTTPClientError(.setup(reason: reason), method: method, url: url)
    }

    /// The broad class of failure.
    public var kind: Kind {
        switch code {
        case .curl(let kind, _): return kind
        case .invalidHeader, .setup: return .other
        }
    }

    /// What went wrong, without method or URL, e.g. "Couldn't connect to server (Failed to connect to slack.com port
    /// 443 after 3 ms: Connection refused)"; for callers whose URL is itself a secret (Slack's `response_url`).
    public var reason: String {
        switch code {
        case .curl(_, let reason), .setup(let reason): reason
        case .invalidHeader(let name): "request header `\(name)` contains a line break or is empty"
        }
    }

    /// The kind and the reason, e.g. "connectionRefused: Couldn't connect to server (…)": what a caller whose URL
    /// must stay out of logs reports.
    public var kindAndReason: String { "\(kind): \(reason)" }

    /// One line for logs, e.g. "GET http://10.0.0.1:6443 failed: Couldn't connect to server (...)".
    public var description: String {
        switch code {
        case .curl: "\(method) \(url) failed: \(reason)"
        case .invalidHeader, .setup: "\(method) \(url) not sent: \(reason)"
        }
    }

    /// The origin of `url` (`scheme://host:port`), safe to log: no credentials, path, query or fragment. A path
    /// may itself be a credential (a Slack `response_url` is one for 30 minutes), so none is kept.
    static func origin(of url: String) -> String {
        var text = Substring(url)
        var scheme: Substring = ""
        if let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") {
            scheme = text[..<text.index(colon, offsetBy: 3)]
            text = text[text.index(colon, offsetBy: 3)...]
        }
        if let end = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { text = text[..<end] }
        if let at = text.lastIndex(of: "@") { text = text[text.index(after: at)...] }
        return String(scheme + text)
    }
}
