extension SlipwayConfig {
    /// One Kubernetes cluster environments run in (`clusters.<name>`): an API server with credentials, or a context
    /// of a kubeconfig file.
    public struct Cluster: Sendable, Equatable {
        /// Where the API server and credentials come from.
        public enum Source: Sendable, Equatable {
            /// `apiServer`: `in-cluster` or an http(s) URL, with the credentials given beside it.
            case apiServer(String)
            /// `kubeconfig`: a kubeconfig file and the context to use (nil: its `current-context`).
            case kubeconfig(path: String, context: String?)
        }

        public var source: Source
        /// Variable holding a bearer token (with `apiServer`).
        public var tokenEnv: String?
        /// File holding a bearer token, re-read when it changes (with `apiServer`).
        public var tokenFile: String?
        /// PEM CA bundle to verify the API server with (with `apiServer`).
        public var caFile: String?
        /// PEM client certificate for TLS client authentication (with `apiServer`, with `clientKeyFile`).
        public var clientCertFile: String?
        /// PEM private key of `clientCertFile`.
        public var clientKeyFile: String?

        public init(
            source: Source, tokenEnv: String? = nil, tokenFile: String? = nil, caFile: String? = nil,
            clientCertFile: String? = nil, clientKeyFile: String? = nil
        ) {
            self.source = source
            self.tokenEnv = tokenEnv
            self.tokenFile = tokenFile
            self.caFile = caFile
            self.clientCertFile = clientCertFile
            self.clientKeyFile = clientKeyFile
        }

        /// Files the cluster's configuration names, with their config paths (for `check-config`).
        public func files(name: String) -> [(path: String, file: String)] {
            var files: [(String, String)] = []
            if case .kubeconfig(let path, _) = source { files.append(("clusters.\(name).kubeconfig", path)) }
            if let tokenFile { files.append(("clusters.\(name).tokenFile", tokenFile)) }
            if let caFile { files.append(("clusters.\(name).caFile", caFile)) }
            if let clientCertFile { files.append(("clusters.\(name).clientCertFile", clientCertFile)) }
            if let clientKeyFile { files.append(("clusters.\(name).clientKeyFile", clientKeyFile)) }
            return files.map { (path: $0.0, file: $0.1) }
        }
    }

    /// The name of the top-level `kubernetes` cluster: environments without `cluster` run there (they may also
    /// name it).
    public static let defaultClusterName = "kubernetes"

    /// The cluster name of an environment: its `cluster`, or the top-level `kubernetes` one.
    public static func clusterName(of environment: EnvironmentEntry) -> String {
        environment.cluster ?? defaultClusterName
    }

    /// The names of the clusters some environment runs in, sorted (the default one as `kubernetes`).
    public var clustersInUse: [String] {
        var names: Set<String> = []
        for service in catalog.services.values {
            for env in service.environments.values { names.insert(Self.clusterName(of: env)) }
        }
        return names.sorted()
    }
}

extension SlipwayConfig.Cluster {
    /// The same cluster with its file paths passed through `resolve` (relative paths are relative to Slipway's base
    /// directory).
    public func resolvingPaths(_ resolve: (String) -> String) -> SlipwayConfig.Cluster {
        var copy = self
        if case .kubeconfig(let path, let context) = source {
            copy.source = .kubeconfig(path: resolve(path), context: context)
        }
        copy.tokenFile = tokenFile.map(resolve)
        copy.caFile = caFile.map(resolve)
        copy.clientCertFile = clientCertFile.map(resolve)
        copy.clientKeyFile = clientKeyFile.map(resolve)
        return copy
    }
}
