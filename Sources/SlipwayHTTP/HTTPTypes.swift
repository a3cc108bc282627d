/// HTTP header fields with case-insensitive names, in arrival order.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of the named field (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.namesMatch(field.name, name) { return field.value }
        return nil
    }

    /// ASCII case-insensitive comparison of field names, without allocating (it runs for every request).
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        if a == b { return true }  // the usual case, and cheap for short names
        let x = a.utf8
        let y = b.utf8
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lower = p | 0x20
            guard lower == q | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }

    /// Appends a field, keeping any with the same name.
    public mutating func add(name: String, value: String) { fields.append((name: name, value: value)) }

    /// Replaces every field with this name by one with `value`.
    public mutating func replace(name: String, value: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
        fields.append((name: name, value: value))
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// An HTTP request method.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }
    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public var description: String { rawValue }
}

/// A request as the server received it: the raw body is kept byte-exact for signature checks.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query string, e.g. `/slack/commands`.
    public var path: String
    /// The raw query string without `?` (may be empty).
    public var query: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, path: String, query: String = "", headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// A response to send (server side) or that was received (client side).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body decoded as UTF-8 (lossy).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// A JSON response from already-encoded bytes.
    public static func json(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: body)
    }

    /// Shared, so a JSON response allocates no header storage of its own.
    private static let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json; charset=utf-8"]

    /// A JSON response from a UTF-8 string.
    public static func json(_ status: Int, _ text: String) -> HTTPResponse { json(status, Array(text.utf8)) }

    /// A plain-text response.
    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }
}

/// A request handler. Handlers are synchronous and run on the server's worker threads, so they may block briefly
/// (a short store transaction) but must leave slow work to background services.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// An outbound HTTP request.
public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whole-transfer timeout in seconds.
    public var timeout: Double

    public init(
        method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: [UInt8] = [], timeout: Double = 10
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// TLS settings for outbound requests.
public struct TLSOptions: Sendable, Equatable {
    /// A PEM CA bundle to trust instead of the system store.
    public var caFile: String?
    public init(caFile: String? = nil) { self.caFile = caFile }
}

/// Sends HTTP requests. Implementations are thread-safe.
public protocol HTTPClient: Sendable {
    /// Performs the request, blocking the calling thread until the response arrives or the timeout passes.
    /// - Throws: `HTTPClientError` for transport failures (refused connection, timeout, TLS). HTTP error statuses
    ///   are returned as responses, not thrown.
    func send(_ request: HTTPClientRequest) throws -> HTTPResponse
}

extension HTTPClient {
    /// Performs the request off the cooperative thread pool.
    public func perform(_ request: HTTPClientRequest) async throws -> HTTPResponse {
        try await BlockingWork.run { try self.send(request) }
    }
}
