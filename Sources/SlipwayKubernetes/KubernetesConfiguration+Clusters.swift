import DeployCore
import Foundation
import SlipwayHTTP

extension KubernetesConfiguration {
    /// The configuration of one `clusters.<name>` entry.
    /// - Parameters:
    ///   - cluster: The entry.
    ///   - name: Its name, for messages.
    ///   - environment: The process environment (for `tokenEnv`, and `KUBERNETES_SERVICE_*` with `in-cluster`).
    ///   - serviceAccountDirectory: Where the in-cluster token and CA live.
    ///   - requestTimeout: Whole-request timeout, seconds.
    /// - Throws: `KubernetesError` (configuration) naming the field and what to do.
    public static func resolve(
        cluster: SlipwayConfig.Cluster, name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubernetesConfiguration.serviceAccountDirectory,
        requestTimeout: Double = 10
    ) throws -> KubernetesConfiguration {
        let path = "clusters.\(name)"
        switch cluster.source {
        case .kubeconfig(let file, let context):
            return try Kubeconfig.load(file, configPath: path + ".kubeconfig").configuration(
                context: context, configPath: path, requestTimeout: requestTimeout)
        case .apiServer("in-cluster"):
            return try inCluster(
                environment: environment, serviceAccountDirectory: serviceAccountDirectory,
                requestTimeout: requestTimeout)
        case .apiServer(let apiServer):
            guard apiServer.hasPrefix("https://") || apiServer.hasPrefix("http://"),
                URL(string: apiServer)?.host != nil
            else {
                throw KubernetesError.configuration(
                    "\(path).apiServer must be \"in-cluster\" or an http(s) URL, not \"\(apiServer)\"")
            }
            var token = BearerToken.none
            if let tokenEnv = cluster.tokenEnv {
                guard let value = environment[tokenEnv]?.trimmingCharacters(in: .whitespacesAndNewlines),
                    !value.isEmpty
                else {
                    throw KubernetesError.configuration(
                        "environment variable \(tokenEnv) (\(path).tokenEnv) is not set; export the API token in it")
                }
                token = .fixed(value)
            }
            if let tokenFile = cluster.tokenFile { token = .file(tokenFile) }
            for (field, file) in cluster.files(name: name) where !FileManager.default.isReadableFile(atPath: file) {
                throw KubernetesError.configuration("\(field) \(file) cannot be read; check the path and permissions")
            }
            var configuration = KubernetesConfiguration(
                baseURL: apiServer, token: token, caFile: cluster.caFile, requestTimeout: requestTimeout)
            configuration.clientCertFile = cluster.clientCertFile
            configuration.clientKeyFile = cluster.clientKeyFile
            return configuration
        }
    }

    /// Problems `check-config` reports for a cluster without contacting it: files that cannot be read, a kubeconfig
    /// that does not parse or lacks the context, credentials it cannot use.
    /// - Returns: One `path: problem` line per problem.
    public static func problems(cluster: SlipwayConfig.Cluster, name: String) -> [String] {
        var problems: [String] = []
        for (field, file) in cluster.files(name: name) where !FileManager.default.isReadableFile(atPath: file) {
            problems.append("\(field): \(file) cannot be read; check the path and permissions")
        }
        guard problems.isEmpty, case .kubeconfig(let file, let context) = cluster.source else { return problems }
        do {
            _ = try Kubeconfig.load(file, configPath: "clusters.\(name).kubeconfig").configuration(
                context: context, configPath: "clusters.\(name)", requestTimeout: 10)
        } catch let error as KubernetesError {
            problems.append("\(error)")
        } catch {
            problems.append("clusters.\(name).kubeconfig: \(error)")
        }
        return problems
    }
}

extension KubernetesConfiguration {
    /// What libcurl needs to verify the API server and authenticate with a client certificate.
    public var tlsOptions: TLSOptions {
        var tls = TLSOptions(caFile: caFile)
        tls.clientCertFile = clientCertFile
        tls.clientKeyFile = clientKeyFile
        tls.caPEM = caPEM
        tls.clientCertPEM = clientCertPEM
        tls.clientKeyPEM = clientKeyPEM
        return tls
    }
}
