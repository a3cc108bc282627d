import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import Synchronization

/// Instant queries against the Prometheus HTTP API (`POST /api/v1/query`, form-encoded), over the shared libcurl
/// client. The documented answer is `{"status":"success","data":{"resultType":"vector"|"scalar",…}}`: a vector's
/// `result` is a list of `{"metric":{…},"value":[<time>,"<value>"]}`, a scalar's `result` is `[<time>,"<value>"]`.
/// An empty vector — or `NaN`, what `0/0` gives when there was no traffic — is "no data".
public final class PrometheusClient: Sendable {
    let http: CurlHTTPClient
    public let baseURL: String
    private let token: String?
    private let count = Atomic<Int>(0)

    public struct QueryError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - baseURL: The server, without `/api/v1`.
    ///   - token: Sent as `Authorization: Bearer`; never logged.
    public init(http: CurlHTTPClient, baseURL: String, token: String?) {
        self.http = http
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Queries made so far (for the benchmark and the queries-per-deploy figure).
    public var queryCount: Int { count.load(ordering: .relaxed) }

    /// Every sample value of an instant query at the current time.
    /// - Returns: The values (empty for no data; `NaN` values are left out).
    /// - Throws: `QueryError` with Prometheus's own `error` text, or the transport failure.
    public func query(_ promql: String, timeout: Double = 10) async throws -> [Double] {
        count.add(1, ordering: .relaxed)
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let request = HTTPClientRequest(
            method: .post, url: baseURL + "/api/v1/query", headers: headers,
            body: FormEncoder.encode([("query", promql)]), timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.perform(request)
        } catch {
            throw QueryError(description: "Prometheus did not answer: \(error)")
        }
        return try Self.values(status: response.status, body: response.body)
    }

    /// Reads an API answer.
    static func values(status: Int, body: [UInt8]) throws -> [Double] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw QueryError(description: "Prometheus answered HTTP \(status) without a JSON body")
        }
        guard object["status"] as? String == "success", let data = object["data"] as? [String: Any] else {
            let kind = object["errorType"] as? String ?? "HTTP \(status)"
            throw QueryError(description: "Prometheus refused the query (\(kind)): \(object["error"] as? String ?? "")")
        }
        func number(_ pair: Any?) -> Double? {
            guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String, let value = Double(text),
                !value.isNaN
            else { return nil }
            return value
        }
        switch data["resultType"] as? String {
        case "vector":
            return (data["result"] as? [[String: Any]] ?? []).compactMap { number($0["value"]) }
        case "scalar":
            return number(data["result"]).map { [$0] } ?? []
        case let other:
            throw QueryError(
                description: "the query returns a \(other ?? "result") of unknown type; use an instant vector or scalar"
            )
        }
    }
}
