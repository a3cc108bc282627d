/// Every key the configuration loader accepts, per JSON object. Each section's reader checks its object against its
/// list here (`reader.object(allowed: ConfigKeys.server)`; any other key is an error), and `paths` spells them all
/// out, so a test can hold docs/configuration.md to them.
public enum ConfigKeys {
    static let root = [
        "server", "store", "slack", "ci", "flux", "gitops", "kubernetes", "pagerduty", "runbooks", "onCall", "people",
        "policy", "services", "log", "clusters", "prometheus",
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
    static let gitops = ["url", "branch", "checkout", "author", "signing", "tokenEnv", "partialClone"]
    static let gitopsAuthor = ["name", "email"]
    static let gitopsSigning = ["format", "keyFile"]
    static let kubernetes = ["apiServer", "tokenEnv", "caFile"]
    static let cluster = [
        "apiServer", "tokenEnv", "tokenFile", "caFile", "clientCertFile", "clientKeyFile", "kubeconfig", "context",
    ]
    static let pagerDuty = ["routingKeyEnv", "eventsURL"]
    static let runbooks = ["baseURL"]
    static let onCall = ["slackUserIds", "pagerduty"]
    static let onCallPagerDuty = ["scheduleIds", "apiTokenEnv", "apiURL"]
    static let policy = [
        "stabilityWindowSeconds", "approvalTimeoutSeconds", "pollIntervalSeconds", "rolloutTimeoutSeconds",
        "idempotencyWindowSeconds", "readinessGraceSeconds",
    ]
    static let log = ["level", "format"]
    static let service = ["repo", "image", "environments"]
    static let environment = [
        "kustomization", "flux", "workload", "autoDeploy", "promoteFrom", "requireApproval", "deployers", "approvers",
        // Deploy decisions (promotion gates, approvals).
        "soakMinutes", "requireKnownTag", "requireVerified", "approvalsRequired",
        "freezeWindows", "workloads", "cluster", "helmRelease", "preDeploy", "imageAutomation",
        // Verification after the rollout.
        "verify", "autoRollback", "canary",
    ]
    static let preDeployStep = ["name", "kustomization", "flux", "job", "timeoutSeconds"]
    static let preDeployStepFlux = ["namespace", "kustomization", "gitRepository"]
    static let preDeployStepJob = ["namespace", "name"]
    static let imageAutomation = ["namespace", "name", "apiVersion"]
    static let environmentFlux = ["namespace", "kustomization", "gitRepository"]
    static let environmentWorkload = ["namespace", "deployment", "kind", "name"]
    static let environmentFreezeWindow = ["from", "to", "timeZone", "reason"]
    static let environmentHelmRelease = ["file", "tagPath", "namespace", "name"]
    static let prometheus = ["url", "tokenEnv"]
    static let verify = ["intervalSeconds", "failureLimit", "checks"]
    static let verifyCheck = ["name", "prometheus", "http", "unit"]
    static let verifyCheckPrometheus = ["query", "max", "min"]
    static let verifyCheckHTTP = ["url", "expectStatus"]
    static let canary = ["kustomization", "workload", "verify", "flux"]
    /// A canary is a Deployment.
    static let canaryWorkload = ["namespace", "deployment"]

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
        ("gitops.signing", gitopsSigning),
        ("kubernetes", kubernetes),
        ("clusters.<cluster>", cluster),
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
        ("services.<service>.environments.<env>.helmRelease", environmentHelmRelease),
        ("services.<service>.environments.<env>.imageAutomation", imageAutomation),
        ("prometheus", prometheus),
        ("services.<service>.environments.<env>.verify", verify),
        ("services.<service>.environments.<env>.canary", canary),
        ("services.<service>.environments.<env>.canary.workload", canaryWorkload),
        ("services.<service>.environments.<env>.canary.verify", verify),
        ("services.<service>.environments.<env>.canary.flux", environmentFlux),
    ]

    /// Objects that are items of a list, by the list's path written `list[]`, with the keys accepted in each item.
    public static let listItems: [(path: String, keys: [String])] = [
        ("services.<service>.environments.<env>.preDeploy[]", preDeployStep),
        ("services.<service>.environments.<env>.preDeploy[].flux", preDeployStepFlux),
        ("services.<service>.environments.<env>.preDeploy[].job", preDeployStepJob),
        ("services.<service>.environments.<env>.freezeWindows[]", environmentFreezeWindow),
        ("services.<service>.environments.<env>.verify.checks[]", verifyCheck),
        ("services.<service>.environments.<env>.verify.checks[].prometheus", verifyCheckPrometheus),
        ("services.<service>.environments.<env>.verify.checks[].http", verifyCheckHTTP),
        ("services.<service>.environments.<env>.canary.verify.checks[]", verifyCheck),
        ("services.<service>.environments.<env>.canary.verify.checks[].prometheus", verifyCheckPrometheus),
        ("services.<service>.environments.<env>.canary.verify.checks[].http", verifyCheckHTTP),
    ]

    /// Objects whose keys the user chooses, as `path.<placeholder>`: one entry each.
    public static let userKeyedEntries = [
        "people.<email>", "services.<service>", "services.<service>.environments.<env>", "clusters.<cluster>",
    ]

    /// Every key the loader accepts as a full JSON path, e.g. `server.port`,
    /// `services.<service>.environments.<env>.flux.namespace`, `people.<email>`.
    public static var paths: [String] {
        var all: [String] = []
        for (path, keys) in objects + listItems {
            all += keys.map { path.isEmpty ? $0 : "\(path).\($0)" }
        }
        for entry in userKeyedEntries where !all.contains(entry) { all.append(entry) }
        return all
    }
}
