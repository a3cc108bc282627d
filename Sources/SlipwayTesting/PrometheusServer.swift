import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwaySubprocess

/// Debian's real `prometheus` server on a free loopback port, scraping the given targets every second, with its data
/// in a temporary directory. Stopped, and its directory removed, when the current `TestScope` ends.
///
/// `make test` installs the `prometheus` package; `PrometheusServer.isInstalled` lets a test skip with a clear
/// message on a machine without it.
public final class PrometheusServer: Sendable {
    /// Where Debian installs the server.
    public static let binary = "/usr/bin/prometheus"

    /// Whether the server binary is present.
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Why a test that needs Prometheus did not run.
    public static let missingMessage =
        "Prometheus is not installed (\(binary)); `make test` installs the Debian package `prometheus`."

    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: Int
    public let directory: String
    private let child: Subprocess.Child

    /// Starts Prometheus scraping `targets` (`host:port`) at `/metrics` every `scrapeIntervalSeconds`, and waits until
    /// it answers `/-/ready`.
    /// - Throws: `StartError` when the binary is missing or the server does not become ready within `timeout`.
    public init(targets: [String], scrapeIntervalSeconds: Int = 1, timeout: Double = 30) throws {
        guard Self.isInstalled else { throw StartError(description: Self.missingMessage) }
        directory = NSTemporaryDirectory() + "slipway-prometheus-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        TestScope.removeOnExit(directory)
        let list = targets.map { "'\($0)'" }.joined(separator: ", ")
        let yaml = """
            global:
              scrape_interval: \(scrapeIntervalSeconds)s
              evaluation_interval: \(scrapeIntervalSeconds)s
            scrape_configs:
              - job_name: app
                scrape_interval: \(scrapeIntervalSeconds)s
                scrape_timeout: \(scrapeIntervalSeconds)s
                static_configs:
                  - targets: [\(list)]

            """
        try yaml.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        var lastError = "not started"
        for _ in 0..<3 {
            let port = try Self.freePort()
            let child = try Subprocess.start(
                Self.binary,
                [
                    "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=error",
                ])
            if Self.waitReady(port: port, child: child, timeout: timeout) {
                self.port = port
                self.child = child
                TestScope.onExit { [self] in self.stop() }
                return
            }
            child.send(SIGKILL)
            child.waitUntilExit()
            lastError = "prometheus did not answer /-/ready on 127.0.0.1:\(port) within \(Int(timeout)) s"
        }
        throw StartError(description: lastError)
    }

    deinit { stop() }

    /// `http://127.0.0.1:<port>`, the base URL Slipway's `prometheus.url` names.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Stops the server and waits for it to exit.
    public func stop() {
        guard child.isRunning else { return }
        child.send(SIGTERM)
        child.waitUntilExit()
    }

    /// Runs an instant query against this server and returns the first sample's value, or nil without data.
    public func value(of query: String) -> Double? {
        guard
            let response = try? CurlHTTPClient().send(
                HTTPClientRequest(
                    method: .post, url: baseURL + "/api/v1/query",
                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: FormEncoder.encode([("query", query)]), timeout: 5)),
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
            let pair = result.first?["value"] as? [Any], pair.count == 2, let text = pair[1] as? String
        else { return nil }
        return Double(text)
    }

    /// Waits until `query` has a value for which `condition` holds. - Returns: whether it did within `timeout`.
    public func waitFor(_ query: String, timeout: Double = 20, _ condition: (Double) -> Bool = { _ in true }) async
        -> Bool
    {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = value(of: query), condition(value) { return true }
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        return false
    }

    private static func waitReady(port: Int, child: Subprocess.Child, timeout: Double) -> Bool {
        let client = CurlHTTPClient(connectTimeout: 1)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && child.isRunning {
            let request = HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/-/ready", timeout: 2)
            if let response = try? client.send(request), response.status == 200 { return true }
            usleep(100_000)
        }
        return false
    }

    /// A loopback port nothing listens on right now (bound, read back, released).
    static func freePort() throws -> Int {
        let probe = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threadCount: 1)) { _ in
            .text(404, "")
        }
        try probe.start()
        defer { probe.stop() }
        return probe.port
    }
}
