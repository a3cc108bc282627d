import Foundation

/// How to reach the Kubernetes API server: its URL, the bearer token and the CA to trust.
public struct KubernetesConfiguration: Sendable, CustomStringConvertible {
    /// The default in-cluster service account directory.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The API server base URL without trailing slash, e.g. `https://10.96.0.1:443`.
    public var baseURL: String
    public var token: BearerToken
    /// PEM CA bundle to verify the API server with (nil: the system store).
    public var caFile: String?
    /// Whole-request timeout, seconds.
    public var requestTimeout: Double
    /// PEM client certificate and key files for TLS client authentication (`clusters.<name>.clientCertFile`).
    public var clientCertFile: String? = nil
    public var clientKeyFile: String? = nil
    /// PEM bytes from a kubeconfig's `certificate-authority-data`, `client-certificate-data` and `client-key-data`:
    /// handed to libcurl in memory, never written to disk, never in `description`.
    public var caPEM: [UInt8]? = nil
    public var clientCertPEM: [UInt8]? = nil
    public var clientKeyPEM: [UInt8]? = nil

    public init(baseURL: String, token: BearerToken = .none, caFile: String? = nil, requestTimeout: Double = 10) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.token = token
        self.caFile = caFile
        self.requestTimeout = requestTimeout
    }

    /// The configuration from Slipway's `kubernetes` settings.
    /// - Parameters:
    ///   - apiServer: `in-cluster`, or an `http://` / `https://` URL.
    ///   - tokenEnv: Name of the environment variable holding a bearer token (URL form only; optional).
    ///   - caFile: CA bundle path (URL form only; optional).
    ///   - environment: The process environment (injectable for tests).
    ///   - serviceAccountDirectory: Where the in-cluster token and `ca.crt` live (injectable for tests).
    /// - Throws: `KubernetesError` naming what is missing, e.g. `KUBERNETES_SERVICE_HOST is not set`.
    public static func resolve(
        apiServer: String, tokenEnv: String? = nil, caFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubernetesConfiguration.serviceAccountDirectory,
        requestTimeout: Double = 10
    ) throws -> KubernetesConfiguration {
        if apiServer == "in-cluster" {
            return try inCluster(
                environment: environment, serviceAccountDirectory: serviceAccountDirectory,
                requestTimeout: requestTimeout)
        }
        guard apiServer.hasPrefix("https://") || apiServer.hasPrefix("http://"), URL(string: apiServer)?.host != nil
        else {
            throw KubernetesError.configuration(
                "kubernetes.apiServer must be \"in-cluster\" or an http(s) URL, not \"\(apiServer)\"")
        }
        var token = BearerToken.none
        if let tokenEnv {
            guard let value = environment[tokenEnv]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
            else {
                throw KubernetesError.configuration(
                    "environment variable \(tokenEnv) (kubernetes.tokenEnv) is not set; export the API token in it")
            }
            token = .fixed(value)
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw KubernetesError.configuration("kubernetes.caFile \(caFile) cannot be read")
        }
        return KubernetesConfiguration(baseURL: apiServer, token: token, caFile: caFile, requestTimeout: requestTimeout)
    }

    /// The in-cluster configuration: `KUBERNETES_SERVICE_HOST` / `_PORT`, the service account token and CA.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubernetesConfiguration.serviceAccountDirectory,
        requestTimeout: Double = 10
    ) throws -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubernetesError.configuration(
                "kubernetes.apiServer is \"in-cluster\" but KUBERNETES_SERVICE_HOST is not set; run inside a pod or "
                    + "configure the API server URL")
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubernetesError.configuration(
                "the service account token \(tokenPath) cannot be read; is automountServiceAccountToken disabled?")
        }
        let caPath = serviceAccountDirectory + "/ca.crt"
        let ca = FileManager.default.isReadableFile(atPath: caPath) ? caPath : nil
        // IPv6 service addresses need brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubernetesConfiguration(
            baseURL: "https://\(hostPart):\(port)", token: .file(tokenPath), caFile: ca, requestTimeout: requestTimeout)
    }

    public var description: String {
        let client =
            clientCertFile.map { ", client certificate \($0)" } ?? (clientCertPEM == nil ? "" : ", client certificate")
        return "\(baseURL) (\(token)\(caFile.map { ", CA \($0)" } ?? "")\(client))"
    }
}
