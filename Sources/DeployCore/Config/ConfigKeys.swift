/// Every key the configuration loader accepts, per JSON object. Each section's reader checks its object against its
/// list here (`reader.object(allowed: ConfigKeys.server)`; any other key is an error), and `paths` spells them all
/// out, so a test can hold docs/configuration.md to them.
public enum ConfigKeys {
    static let root = [
        "server", "store", "slack", "ci", "flux", "gitops", "kubernetes", "pagerduty", "runbooks", "onCall", "people",
        "policy", "services", "log",
    ]
    static let server = [
        "host", "port", "adminPort", "maxBodyBytes", "drainSeconds", "threads", "connectionMemoryBytes",
        "maxConnections", "maxConnectionsPerClient", "requestDeadlineSeconds",
    ]
    static let store = ["sqlite", "postgres"]
    static let storeSQLite = ["path"]
    static let storePostgres = ["urlEnv"]
    static let slack = [
        "signingSecretEnv", "botTokenEnv", "apiBaseURL", "teamId", "deployChannel", "commands", "threadLog",
        "socketMode",
    ]
    static let slackCommands = ["deploy", "rollback", "status"]
    static let slackSocketMode = ["appTokenEnv"]
    static let ci = ["webhookSecretEnv"]
    static let flux = ["webhookSecretEnv"]
    static let gitops = ["url", "branch", "checkout", "author"]
    static let gitopsAuthor = ["name", "email"]
    static let kubernetes = ["apiServer", "tokenEnv", "caFile"]
    static let pagerDuty = ["routingKeyEnv", "eventsURL"]
    static let runbooks = ["baseURL"]
    static let onCall = ["slackUserIds", "pagerduty"]
    static let onCallPagerDuty = ["scheduleIds", "apiTokenEnv", "apiURL"]
    static let policy = [
        "stabilityWindowSeconds", "approvalTimeoutSeconds", "pollIntervalSeconds", "rolloutTimeoutSeconds",
        "idempotencyWindowSeconds",
    ]
    static let log = ["level", "format"]
    static let service = ["repo", "image", "environments"]
    static let environment = [
        "kustomization", "flux", "workload", "autoDeploy", "promoteFrom", "requireApproval", "deployers", "approvers",
    ]
    static let environmentFlux = ["namespace", "kustomization", "gitRepository"]
    static let environmentWorkload = ["namespace", "deployment"]

    /// Each object the loader reads, by JSON path (keys the user chooses written `<service>`, `<env>`), with the keys
    /// accepted in it.
    public static let objects: [(path: String, keys: [String])] = [
        ("", root),
        ("server", server),
        ("store", store),
        ("store.sqlite", storeSQLite),
        ("store.postgres", storePostgres),
        ("slack", slack),
        ("slack.commands", slackCommands),
        ("slack.socketMode", slackSocketMode),
        ("ci", ci),
        ("flux", flux),
        ("gitops", gitops),
        ("gitops.author", gitopsAuthor),
        ("kubernetes", kubernetes),
        ("pagerduty", pagerDuty),
        ("runbooks", runbooks),
        ("onCall", onCall),
        ("onCall.pagerduty", onCallPagerDuty),
        ("policy", policy),
        ("log", log),
        ("services.<service>", service),
        ("services.<service>.environments.<env>", environment),
        ("services.<service>.environments.<env>.flux", environmentFlux),
        ("services.<service>.environments.<env>.workload", environmentWorkload),
    ]

    /// Objects whose keys the user chooses, as `path.<placeholder>`: one entry each.
    public static let userKeyedEntries = [
        "people.<email>", "services.<service>", "services.<service>.environments.<env>",
    ]

    /// Every key the loader accepts as a full JSON path, e.g. `server.port`,
    /// `services.<service>.environments.<env>.flux.namespace`, `people.<email>`.
    public static var paths: [String] {
        var all: [String] = []
        for (path, keys) in objects {
            all += keys.map { path.isEmpty ? $0 : "\(path).\($0)" }
        }
        for entry in userKeyedEntries where !all.contains(entry) { all.append(entry) }
        return all
    }
}
