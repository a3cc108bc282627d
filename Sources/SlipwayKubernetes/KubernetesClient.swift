import DeployCore
import Foundation
import SlipwayHTTP
import Synchronization

/// A small Kubernetes API client: GET, LIST with selectors, and JSON merge patch, over any `HTTPClient`
/// (libcurl in production, loopback against `FakeKubernetes` in tests).
///
/// Thread-safe and cheap to copy; copies share the request counter.
public struct KubernetesClient: Sendable {
    public let configuration: KubernetesConfiguration
    private let http: any HTTPClient
    private let counter: RequestCounter

    /// - Parameters:
    ///   - configuration: API server URL, token and CA.
    ///   - http: The transport; nil uses `CurlHTTPClient` with the configured CA file.
    public init(configuration: KubernetesConfiguration, http: (any HTTPClient)? = nil) {
        self.configuration = configuration
        self.http = http ?? CurlHTTPClient(tls: configuration.tlsOptions)
        self.counter = RequestCounter()
    }

    /// API requests sent so far by this client and its copies (for benchmarks and tests).
    public var requestCount: Int { counter.value }

    /// Reads one object.
    /// - Throws: `KubernetesError` (`isNotFound` when it does not exist).
    public func get<Object>(_ resource: KubernetesResource<Object>, namespace: String, name: String) async throws
        -> Object
    {
        let path = try objectPath(resource, namespace: namespace, name: name, method: "GET")
        return try decode(Object.self, await send(.get, path: path), path: path, method: "GET")
    }

    /// Lists the objects of a kind in a namespace.
    /// - Parameters:
    ///   - labelSelector: e.g. `app=shop,tier=web` or `app in (shop,cart)`.
    ///   - fieldSelector: e.g. `metadata.name=shop-prod` or `type=Warning`.
    /// - Throws: `KubernetesError`.
    public func list<Object>(
        _ resource: KubernetesResource<Object>, namespace: String, labelSelector: String? = nil,
        fieldSelector: String? = nil
    ) async throws -> K8s.List<Object> {
        guard Self.isValidName(namespace) else {
            throw KubernetesError.invalidRequest(
                "namespace \"\(namespace)\" is not a valid name", method: "GET",
                path: resource.collectionPath(namespace: "…"))
        }
        let path = resource.collectionPath(namespace: namespace)
        var query: [(String, String)] = []
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        return try decode(K8s.List<Object>.self, await send(.get, path: path, query: query), path: path, method: "GET")
    }

    /// Applies a JSON merge patch (RFC 7386) to one object and returns the updated object.
    /// - Parameter json: The patch, e.g. `{"metadata":{"annotations":{"k":"v"}}}`.
    /// - Throws: `KubernetesError`.
    @discardableResult
    public func mergePatch<Object>(
        _ resource: KubernetesResource<Object>, namespace: String, name: String, json: [UInt8]
    ) async throws -> Object {
        let path = try objectPath(resource, namespace: namespace, name: name, method: "PATCH")
        return try decode(Object.self, await mergePatch(path: path, json: json), path: path, method: "PATCH")
    }

    /// Applies a JSON merge patch to the object at `path` and returns the raw answer body.
    /// - Throws: `KubernetesError`.
    @discardableResult
    public func mergePatch(path: String, json: [UInt8]) async throws -> [UInt8] {
        try await send(.patch, path: path, body: json, contentType: "application/merge-patch+json")
    }

    /// Sends one request to the API server and returns the body of a 2xx answer.
    /// - Throws: `KubernetesError` for error statuses (with the API `Status` reason and message) and transport
    ///   failures.
    public func send(
        _ method: HTTPMethod, path: String, query: [(String, String)] = [], body: [UInt8] = [],
        contentType: String? = nil
    ) async throws -> [UInt8] {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url +=
                "?" + query.map { "\(Self.percentEncoded($0.0))=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        }
        var response = try await perform(method, url: url, path: path, body: body, contentType: contentType)
        if response.status == 401, configuration.token.isRefreshable {
            // A rotated service account token: read the file again and retry once.
            configuration.token.invalidate()
            response = try await perform(method, url: url, path: path, body: body, contentType: contentType)
        }
        guard (200..<300).contains(response.status) else {
            throw Self.statusError(response, method: method.rawValue, path: path)
        }
        return response.body
    }

    // MARK: - Helpers

    private func perform(
        _ method: HTTPMethod, url: String, path: String, body: [UInt8], contentType: String?
    ) async throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if let token = configuration.token.current() { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        let request = HTTPClientRequest(
            method: method, url: url, headers: headers, body: body, timeout: configuration.requestTimeout)
        counter.increment()
        do {
            return try await http.perform(request)
        } catch let error as HTTPClientError {
            let kind: KubernetesError.Transport =
                switch error.kind {
                case .connectionRefused: .connectionRefused
                case .timeout: .timeout
                case .tls: .tls
                default: .other
                }
            throw KubernetesError.transport(kind, detail: error.description, method: method.rawValue, path: path)
        } catch {
            throw KubernetesError.transport(.other, detail: "\(error)", method: method.rawValue, path: path)
        }
    }

    private func objectPath<Object>(
        _ resource: KubernetesResource<Object>, namespace: String, name: String, method: String
    ) throws -> String {
        guard Self.isValidName(namespace), Self.isValidName(name) else {
            throw KubernetesError.invalidRequest(
                "\"\(namespace)/\(name)\" is not a valid object name", method: method,
                path: resource.collectionPath(namespace: "…"))
        }
        return resource.objectPath(namespace: namespace, name: name)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], path: String, method: String) throws -> T {
        do {
            return try K8s.decode(T.self, from: body)
        } catch {
            throw KubernetesError.decoding("\(error)", method: method, path: path)
        }
    }

    /// The API's `Status` body: `{"kind":"Status","reason":"NotFound","message":"…","code":404}`.
    private struct StatusBody: Decodable {
        var reason: String?
        var message: String?
    }

    static func statusError(_ response: HTTPResponse, method: String, path: String) -> KubernetesError {
        let status = try? JSONDecoder().decode(StatusBody.self, from: Data(response.body))
        let retryAfter = response.headers["Retry-After"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return .status(
            response.status, reason: status?.reason, message: status?.message, retryAfter: retryAfter, method: method,
            path: path)
    }

    /// DNS-1123 names (what namespaces and these objects' names must be); keeps paths free of `/`, `?` and `..`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }
            && name != "." && name != ".."
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        let hex: [Character] = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E:
                out.append(Character(UnicodeScalar(byte)))
            default:
                out.append("%")
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// A thread-safe counter shared by a client and its copies.
final class RequestCounter: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }

    var value: Int { count.withLock { $0 } }
}
