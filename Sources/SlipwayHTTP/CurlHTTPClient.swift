import CCurl
import Synchronization

/// An `HTTPClient` on libcurl: http and https, a CA file for private clusters, connection reuse across calls.
///
/// Thread-safe: each `send` takes an idle curl handle from a small pool (or creates one) and returns it afterwards,
/// so concurrent calls never share a handle and sequential calls to the same host reuse the connection.
public final class CurlHTTPClient: HTTPClient {
    /// Initialises libcurl once per process, before the first handle; Swift runs this exactly once.
    private static let globalInitialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Idle handles kept for reuse; more may exist while many requests run at once.
    private static let maxIdleHandles = 8

    /// TLS settings for every request.
    public let tls: TLSOptions
    /// The `User-Agent` sent unless a request sets its own.
    public let userAgent: String
    /// Longest wait for a connection, in seconds (never longer than a request's own timeout).
    public let connectTimeout: Double
    private let idleHandles = Mutex<[CurlEasyHandle]>([])

    /// - Parameters:
    ///   - tls: CA bundle to trust (default: the system store).
    ///   - userAgent: The `User-Agent` header.
    ///   - connectTimeout: Longest wait for a connection in seconds (default 10).
    public init(tls: TLSOptions = .init(), userAgent: String = "slipway", connectTimeout: Double = 10) {
        self.tls = tls
        self.userAgent = userAgent
        self.connectTimeout = connectTimeout
    }

    /// Performs the request, blocking the calling thread until the response arrives or the timeout passes.
    /// - Parameter request: Method, URL, headers, body and timeout.
    /// - Returns: The response, whatever its status.
    /// - Throws: `HTTPClientError` when no response was received.
    public func send(_ request: HTTPClientRequest) throws -> HTTPResponse {
        let method = request.method.rawValue
        guard Self.globalInitialization == CURLE_OK else {
            throw HTTPClientError.setup(
                reason: "libcurl failed to initialise", method: method, url: HTTPClientError.origin(of: request.url))
        }
        let reused = idleHandles.withLock { $0.popLast() }
        guard let handle = reused ?? CurlEasyHandle() else {
            throw HTTPClientError.setup(
                reason: "libcurl could not create a handle", method: method,
                url: HTTPClientError.origin(of: request.url))
        }
        defer {
            idleHandles.withLock { idle in
                if idle.count < Self.maxIdleHandles { idle.append(handle) }
            }
        }
        let settings = CurlEasyHandle.Settings(
            userAgent: userAgent, caFile: tls.caFile, connectTimeout: connectTimeout, tls: tls)
        return try handle.perform(request, settings: settings)
    }
}
