/// Why the HTTP server could not start.
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Equatable {
        case listenFailed(address: String, reason: String)
        case invalidHost(String)
        case invalidConfiguration(String)
        case alreadyStarted
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    static func listenFailed(address: String, reason: String) -> HTTPServerError {
        HTTPServerError(.listenFailed(address: address, reason: reason))
    }

    static func invalidHost(_ host: String) -> HTTPServerError { HTTPServerError(.invalidHost(host)) }

    static func invalidConfiguration(_ message: String) -> HTTPServerError {
        HTTPServerError(.invalidConfiguration(message))
    }

    static let alreadyStarted = HTTPServerError(.alreadyStarted)

    /// True when the server could not bind or listen on the configured address (for example, the port is in use).
    public var isListenFailure: Bool {
        if case .listenFailed = code { return true }
        return false
    }

    /// What went wrong and what to do, e.g. "cannot listen on 127.0.0.1:8080: address already in use".
    public var description: String {
        switch code {
        case .listenFailed(let address, let reason):
            return "cannot listen on \(address): \(reason)"
        case .invalidHost(let host):
            return "cannot listen on host `\(host)`: not an IPv4 or IPv6 address or a resolvable name; "
                + "use e.g. 127.0.0.1 or 0.0.0.0"
        case .invalidConfiguration(let message):
            return "invalid HTTP server configuration: \(message)"
        case .alreadyStarted:
            return "the HTTP server is already running; stop it before starting it again"
        }
    }
}
