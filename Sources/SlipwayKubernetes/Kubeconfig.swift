import DeployCore
import Foundation

/// A kubeconfig file (`kubectl`'s `~/.kube/config` format), as far as reaching one API server goes: its clusters
/// (`server`, `certificate-authority[-data]`), users (`token`, `tokenFile`, `client-certificate[-data]`,
/// `client-key[-data]`) and contexts. Read through libyaml (`SlipwayYAML`); `*-data` fields stay in memory (libcurl
/// takes them as blobs), never on disk. Relative file paths are relative to the kubeconfig's folder, as kubectl
/// reads them. `exec` and `auth-provider` plugins are not run: such a user is refused with what to use instead.
public struct Kubeconfig: Sendable {
    struct Cluster: Sendable {
        var server: String?
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool
    }

    struct User: Sendable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        /// A credential kind Slipway does not support (`exec`, `auth-provider`, `username`).
        var unsupported: String?
    }

    struct Context: Sendable {
        var cluster: String?
        var user: String?
    }

    var clusters: [String: Cluster] = [:]
    var users: [String: User] = [:]
    var contexts: [String: Context] = [:]
    var currentContext: String?
    /// The file's folder, for relative paths.
    var directory: String
    /// `clusters.<name>.kubeconfig`, for messages.
    var configPath: String
    var file: String

    /// Reads the tree of a parsed kubeconfig (objects as `[String: Any]`, lists as `[Any]`, scalars as `String`).
    init(tree: Any, file: String, configPath: String) throws {
        self.file = file
        self.configPath = configPath
        self.directory = (file as NSString).deletingLastPathComponent
        guard let root = tree as? [String: Any] else {
            throw KubernetesError.configuration("\(configPath): \(file) is not a kubeconfig (not a YAML mapping)")
        }
        func named(_ key: String, _ inner: String) -> [(String, [String: Any])] {
            ((root[key] as? [Any]) ?? []).compactMap { item in
                guard let entry = item as? [String: Any], let name = entry["name"] as? String else { return nil }
                return (name, entry[inner] as? [String: Any] ?? [:])
            }
        }
        for (name, cluster) in named("clusters", "cluster") {
            clusters[name] = Cluster(
                server: cluster["server"] as? String,
                certificateAuthority: cluster["certificate-authority"] as? String,
                certificateAuthorityData: cluster["certificate-authority-data"] as? String,
                insecureSkipTLSVerify: (cluster["insecure-skip-tls-verify"] as? String) == "true")
        }
        for (name, user) in named("users", "user") {
            let unsupported = ["exec", "auth-provider", "username"].first { user[$0] != nil }
            users[name] = User(
                token: user["token"] as? String, tokenFile: user["tokenFile"] as? String,
                clientCertificate: user["client-certificate"] as? String,
                clientCertificateData: user["client-certificate-data"] as? String,
                clientKey: user["client-key"] as? String, clientKeyData: user["client-key-data"] as? String,
                unsupported: unsupported)
        }
        for (name, context) in named("contexts", "context") {
            contexts[name] = Context(cluster: context["cluster"] as? String, user: context["user"] as? String)
        }
        currentContext = (root["current-context"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The context names, sorted.
    public var contextNames: [String] { contexts.keys.sorted() }

    /// The API server, credentials and CA of a context.
    /// - Parameters:
    ///   - context: The context; nil for the file's `current-context`.
    ///   - configPath: `clusters.<name>`, for messages.
    /// - Throws: `KubernetesError` (configuration) naming what is missing and what to do.
    func configuration(context name: String?, configPath: String, requestTimeout: Double) throws
        -> KubernetesConfiguration
    {
        let origin = "\(self.configPath) (\(file))"
        guard let contextName = name ?? currentContext else {
            throw KubernetesError.configuration(
                "\(origin) has no current-context; set \(configPath).context to one of: "
                    + contextNames.joined(separator: ", "))
        }
        guard let context = contexts[contextName] else {
            let hint =
                Suggestion.closest(to: contextName, among: contextNames).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw KubernetesError.configuration(
                "\(configPath).context: no context \"\(contextName)\" in \(file)\(hint); contexts: "
                    + (contextNames.isEmpty ? "none" : contextNames.joined(separator: ", ")))
        }
        guard let clusterName = context.cluster, let cluster = clusters[clusterName] else {
            throw KubernetesError.configuration(
                "\(origin): context \"\(contextName)\" names cluster \"\(context.cluster ?? "")\", which the file does not define"
            )
        }
        guard let server = cluster.server, server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw KubernetesError.configuration(
                "\(origin): cluster \"\(clusterName)\" has no http(s) server URL")
        }
        if cluster.insecureSkipTLSVerify {
            throw KubernetesError.configuration(
                "\(origin): cluster \"\(clusterName)\" sets insecure-skip-tls-verify; Slipway always verifies the API "
                    + "server: give certificate-authority or certificate-authority-data")
        }
        var configuration = KubernetesConfiguration(baseURL: server, requestTimeout: requestTimeout)
        configuration.caFile = try cluster.certificateAuthority.map { try readable($0, "certificate-authority") }
        configuration.caPEM = try cluster.certificateAuthorityData.map {
            try decoded($0, "clusters[\(clusterName)].certificate-authority-data")
        }
        guard let userName = context.user else { return configuration }
        guard let user = users[userName] else {
            throw KubernetesError.configuration(
                "\(origin): context \"\(contextName)\" names user \"\(userName)\", which the file does not define")
        }
        if let unsupported = user.unsupported {
            throw KubernetesError.configuration(
                "\(origin): user \"\(userName)\" authenticates with \(unsupported), which Slipway does not run; use a "
                    + "service account token (token or tokenFile) or a client certificate")
        }
        if let token = user.token {
            configuration.token = .fixed(token)
        } else if let tokenFile = user.tokenFile {
            configuration.token = .file(try readable(tokenFile, "tokenFile"))
        }
        configuration.clientCertFile = try user.clientCertificate.map { try readable($0, "client-certificate") }
        configuration.clientKeyFile = try user.clientKey.map { try readable($0, "client-key") }
        configuration.clientCertPEM = try user.clientCertificateData.map {
            try decoded($0, "users[\(userName)].client-certificate-data")
        }
        configuration.clientKeyPEM = try user.clientKeyData.map {
            try decoded($0, "users[\(userName)].client-key-data")
        }
        let hasCert = configuration.clientCertFile != nil || configuration.clientCertPEM != nil
        let hasKey = configuration.clientKeyFile != nil || configuration.clientKeyPEM != nil
        if hasCert != hasKey {
            throw KubernetesError.configuration(
                "\(origin): user \"\(userName)\" gives a client \(hasCert ? "certificate without its key" : "key without its certificate")"
            )
        }
        return configuration
    }

    /// A path of the file, relative to its folder, that must be readable.
    private func readable(_ path: String, _ field: String) throws -> String {
        let full = path.hasPrefix("/") ? path : directory + "/" + path
        guard FileManager.default.isReadableFile(atPath: full) else {
            throw KubernetesError.configuration(
                "\(configPath) (\(file)): \(field) \(full) cannot be read; check the path and permissions")
        }
        return full
    }

    private func decoded(_ base64: String, _ field: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: base64.filter { !$0.isWhitespace }), !data.isEmpty else {
            throw KubernetesError.configuration("\(configPath) (\(file)): \(field) is not base64")
        }
        return Array(data)
    }
}
