/// HTTP header fields with case-insensitive names, in arrival order.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    private enum Storage: Sendable {
        case fields([(name: String, value: String)])
        /// A request's fields as the server received them; strings are built only for the fields read.
        case received(ReceivedHeaderFields)
    }

    private var storage: Storage

    /// Every field, in order.
    public var fields: [(name: String, value: String)] {
        switch storage {
        case .fields(let fields): fields
        case .received(let received): received.fields
        }
    }

    public init(_ fields: [(name: String, value: String)] = []) { storage = .fields(fields) }

    public init(dictionaryLiteral elements: (String, String)...) {
        storage = .fields(elements.map { (name: $0.0, value: $0.1) })
    }

    init(received: ReceivedHeaderFields) { storage = .received(received) }

    /// The first value of the named field (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        switch storage {
        case .fields(let fields):
            for field in fields where Self.namesMatch(field.name, name) { return field.value }
            return nil
        case .received(let received):
            return received.value(named: name)
        }
    }

    /// Calls `body` with the UTF-8 bytes of the named field's first value (case-insensitive), without building a
    /// string; nil when the field is absent. The bytes are valid only inside `body`.
    public func withValue<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        switch storage {
        case .fields:
            guard var value = self[name] else { return nil }
            return value.withUTF8(body)
        case .received(let received):
            return received.withValue(named: name, body)
        }
    }

    /// ASCII case-insensitive comparison of field names, without allocating (it runs for every request).
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        if a == b { return true }  // the usual case, and cheap for short names
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in namesMatch(x, y) } }
    }

    /// ASCII case-insensitive comparison of field names given as UTF-8; only letters fold.
    static func namesMatch(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where p != q {
            let lower = p | 0x20
            guard lower == q | 0x20, lower >= UInt8(ascii: "a"), lower <= UInt8(ascii: "z") else { return false }
        }
        return true
    }

    /// Appends a field, keeping any with the same name.
    public mutating func add(name: String, value: String) {
        var fields = fields
        fields.append((name: name, value: value))
        storage = .fields(fields)
    }

    /// Replaces every field with this name by one with `value`.
    public mutating func replace(name: String, value: String) {
        var fields = fields
        fields.removeAll { Self.namesMatch($0.name, name) }
        fields.append((name: name, value: value))
        storage = .fields(fields)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// Request header fields packed into one buffer as the server reads them from libmicrohttpd: for each field a
/// 4-byte name length and a 4-byte value length (little-endian), then the name and value bytes.
/// One allocation per request instead of one or two per field.
struct ReceivedHeaderFields: Sendable {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    /// Appends a field.
    mutating func append(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        // A field always fits in the connection's memory, at most 16 MiB (HTTPServer.Configuration).
        var lengths = (
            UInt32(truncatingIfNeeded: name.count).littleEndian, UInt32(truncatingIfNeeded: value.count).littleEndian
        )
        withUnsafeBytes(of: &lengths) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: name)
        bytes.append(contentsOf: value)
    }

    /// Calls `visit` with each field's name and value bytes, in order, until it returns false.
    private func forEachField(_ visit: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Bool) {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            guard let base = buffer.baseAddress else { return }
            while index + 8 <= buffer.count {
                let raw = UnsafeRawPointer(base + index)
                let nameCount = Int(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
                let valueCount = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
                let nameStart = index + 8
                let valueStart = nameStart + nameCount
                index = valueStart + valueCount
                let name = UnsafeBufferPointer(rebasing: buffer[nameStart..<valueStart])
                guard visit(name, UnsafeBufferPointer(rebasing: buffer[valueStart..<index])) else { return }
            }
        }
    }

    /// The first value of the named field (ASCII case-insensitive), or nil.
    func value(named name: String) -> String? {
        withValue(named: name) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with the bytes of the named field's first value; nil when absent.
    func withValue<R>(named name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        var name = name
        var result: R?
        name.withUTF8 { wanted in
            forEachField { name, value in
                guard HTTPHeaders.namesMatch(name, wanted) else { return true }
                result = body(value)
                return false
            }
        }
        return result
    }

    var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        forEachField { name, value in
            fields.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
            return true
        }
        return fields
    }
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
    public var status: Int { didSet { wireForm = nil } }
    public var headers: HTTPHeaders { didSet { wireForm = nil } }
    public var body: [UInt8] { didSet { wireForm = nil } }
    /// Set by ``reusable()``; any change to the response drops it.
    private(set) var wireForm: ReusableWireForm?

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The same response, marked to be sent many times unchanged: the server builds its wire form once and
    /// reuses it for every request answered with this value (or a copy of it). Changing the copy drops the mark.
    /// For replies kept in a cache; a response sent once gains nothing.
    public func reusable() -> HTTPResponse {
        var copy = self
        copy.wireForm = ReusableWireForm()
        return copy
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
    /// PEM client certificate and key files for TLS client authentication.
    public var clientCertFile: String? = nil
    public var clientKeyFile: String? = nil
    /// The same in memory (PEM bytes), handed to libcurl as blobs.
    public var caPEM: [UInt8]? = nil
    public var clientCertPEM: [UInt8]? = nil
    public var clientKeyPEM: [UInt8]? = nil
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
