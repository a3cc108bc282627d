import Foundation

/// Slipway's configuration file (JSON). Secrets are never in the file: it names environment variables.
public struct SlipwayConfig: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var maxBodyBytes: Int
        public var drainSeconds: Double
        /// HTTP worker threads; nil means one per processor plus one. More threads let more CI webhooks share a store
        /// commit (higher webhook throughput) at some cost in ack latency under load.
        public var threads: Int? = nil
        /// Memory per connection for the request line, headers and body chunks; requests whose headers do not fit
        /// get 431. Small by default because libmicrohttpd clears all of it between keep-alive requests.
        public var connectionMemoryBytes: Int = 8 << 10
        /// A second port, on the same host, for `/metrics`, `/healthz` and `/ready`; those then answer 404 on `port`,
        /// so an Ingress in front of `port` cannot expose them. nil serves everything on `port`.
        public var adminPort: Int? = nil

        // Connection abuse limits (slowloris, connection exhaustion).
        /// Most connections open at once; nil sizes it from the open-file limit.
        public var maxConnections: Int? = nil
        /// Most connections open at once from one client address; 0 for no limit.
        public var maxConnectionsPerClient: Int = 512
        /// Longest time for a whole request (headers and body) to arrive; 0 for no deadline.
        public var requestDeadlineSeconds: Int = 30
    }

    public enum StoreLocation: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(urlEnv: String)
    }

    public struct Slack: Sendable, Equatable {
        public var signingSecretEnv: String
        public var botTokenEnv: String
        public var apiBaseURL: String
        public var teamId: String?
        public var deployChannel: String
        /// The registered names of Slipway's slash commands (`slack.commands`).
        public var commands: SlashCommandNames = .defaults
        /// Whether each deploy message gets a thread with its step log (`slack.threadLog`).
        public var threadLog: Bool = true
        /// Socket Mode (`slack.socketMode`): Slack's commands, clicks and events arrive over a WebSocket Slipway
        /// opens, so no public endpoint is needed; nil for HTTP request URLs only.
        public var socketMode: SocketMode? = nil
    }

    /// `slack.socketMode`.
    public struct SocketMode: Sendable, Equatable {
        /// Variable holding the app-level token (`xapp-…`, scope `connections:write`).
        public var appTokenEnv: String

        public init(appTokenEnv: String) {
            self.appTokenEnv = appTokenEnv
        }
    }

    public struct GitOps: Sendable, Equatable {
        public var url: String
        public var branch: String
        public var checkout: String
        public var authorName: String
        public var authorEmail: String
        /// `gitops.signing`: how deploy commits are signed; nil: unsigned.
        public var signing: Signing? = nil
        /// `gitops.tokenEnv`: the environment variable holding an HTTPS token for the remote.
        public var tokenEnv: String? = nil
        /// `gitops.partialClone`: clone with `--filter=blob:none`.
        public var partialClone: Bool = false

        /// `gitops.signing`.
        public struct Signing: Sendable, Equatable {
            public enum Format: String, Sendable, CaseIterable {
                case ssh, openpgp
            }

            public var format: Format
            /// The key file (an ssh private key, or an armored OpenPGP secret key).
            public var keyFile: String

            public init(format: Format, keyFile: String) {
                self.format = format
                self.keyFile = keyFile
            }
        }
    }

    public struct Kubernetes: Sendable, Equatable {
        /// `in-cluster` or an API server URL.
        public var apiServer: String
        public var tokenEnv: String?
        public var caFile: String?
    }

    /// How Slipway logs to standard error.
    public struct Logging: Sendable, Equatable {
        /// Most to least verbose: a logger at one level writes that level and those after it.
        public enum Level: String, Sendable, CaseIterable, Comparable {
            case debug, info, warning, error

            public static func < (a: Level, b: Level) -> Bool {
                allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
            }
        }

        public enum Format: String, Sendable, CaseIterable {
            /// `2026-11-23T18:00:00Z info slipway: message`
            case text
            /// One JSON object per line: `{"time":…,"level":…,"logger":"slipway","message":…}`
            case json
        }

        public var level: Level = .info
        public var format: Format = .text

        public init(level: Level = .info, format: Format = .text) {
            self.level = level
            self.format = format
        }
    }

    public struct PagerDuty: Sendable, Equatable {
        public var routingKeyEnv: String
        public var eventsURL: String
    }

    public var server: Server
    public var store: StoreLocation
    public var slack: Slack
    public var ciWebhookSecretEnv: String
    public var fluxWebhookSecretEnv: String?
    public var gitops: GitOps
    public var kubernetes: Kubernetes
    /// Further clusters by name (`clusters`); environments name theirs with `cluster`.
    public var clusters: [String: Cluster] = [:]
    public var pagerDuty: PagerDuty?
    public var logging = Logging()
    public var runbooksBaseURL: String
    public var onCallSlackUserIds: [String]
    /// Who is on call, from PagerDuty schedules (`onCall.pagerduty`); `onCallSlackUserIds` is then the fallback.
    public var onCallPagerDuty: OnCallPagerDuty? = nil
    /// Git author email (lowercased) → Slack user id.
    public var people: [String: String]
    public var policy: DeployPolicy
    public var catalog: Catalog
    /// Where verification checks query metrics; nil when no environment uses Prometheus checks.
    public var prometheus: PrometheusSettings? = nil

    /// Names of every environment variable the configuration expects to hold a secret.
    public var secretEnvironmentVariables: [(path: String, name: String)] {
        var names: [(String, String)] = [
            ("slack.signingSecretEnv", slack.signingSecretEnv),
            ("slack.botTokenEnv", slack.botTokenEnv),
            ("ci.webhookSecretEnv", ciWebhookSecretEnv),
        ]
        if let flux = fluxWebhookSecretEnv { names.append(("flux.webhookSecretEnv", flux)) }
        if let socketMode = slack.socketMode { names.append(("slack.socketMode.appTokenEnv", socketMode.appTokenEnv)) }
        if case .postgres(let env) = store { names.append(("store.postgres.urlEnv", env)) }
        if let pd = pagerDuty { names.append(("pagerduty.routingKeyEnv", pd.routingKeyEnv)) }
        if let token = kubernetes.tokenEnv { names.append(("kubernetes.tokenEnv", token)) }
        if let token = gitops.tokenEnv { names.append(("gitops.tokenEnv", token)) }
        for name in clusters.keys.sorted() {
            if let token = clusters[name]?.tokenEnv { names.append(("clusters.\(name).tokenEnv", token)) }
        }
        if let token = prometheus?.tokenEnv { names.append(("prometheus.tokenEnv", token)) }
        if let onCall = onCallPagerDuty { names.append(("onCall.pagerduty.apiTokenEnv", onCall.apiTokenEnv)) }
        return names.map { (path: $0.0, name: $0.1) }
    }

    /// The names of configured secret variables that are unset or empty in `environment`.
    public func missingSecrets(in environment: [String: String]) -> [ConfigError] {
        secretEnvironmentVariables.compactMap { entry in
            let value = environment[entry.name] ?? ""
            guard value.isEmpty else { return nil }
            return ConfigError(
                path: entry.path,
                problem: "environment variable \(entry.name) is not set; export it with the secret before starting")
        }
    }
}

/// Timing policy for deploys.
public struct DeployPolicy: Sendable, Equatable {
    public var stabilityWindowSeconds: Double
    public var approvalTimeoutSeconds: Double
    public var pollIntervalSeconds: Double
    public var rolloutTimeoutSeconds: Double
    /// How long a CI `repo:sha:env` idempotency key is kept.
    public var idempotencyWindowSeconds: Double
    /// How long a pod of the new version may be not ready during the stability window before the deploy fails.
    public var readinessGraceSeconds: Double = 60

    public init(
        stabilityWindowSeconds: Double = 300, approvalTimeoutSeconds: Double = 1800, pollIntervalSeconds: Double = 5,
        rolloutTimeoutSeconds: Double = 900, idempotencyWindowSeconds: Double = 86_400
    ) {
        self.stabilityWindowSeconds = stabilityWindowSeconds
        self.approvalTimeoutSeconds = approvalTimeoutSeconds
        self.pollIntervalSeconds = pollIntervalSeconds
        self.rolloutTimeoutSeconds = rolloutTimeoutSeconds
        self.idempotencyWindowSeconds = idempotencyWindowSeconds
    }
}

/// A configuration problem: where it is (JSON path) and what is wrong.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}
