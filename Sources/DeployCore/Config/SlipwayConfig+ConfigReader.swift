extension SlipwayConfig {
    /// Reads the whole file: each section by its own type, in the order problems are reported.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let top = try reader.object(allowed: ConfigKeys.root)
        let server = try Server(reading: top.required("server"))
        let store = try StoreLocation(reading: top.required("store"))
        let slack = try Slack(reading: top.required("slack"))
        let ci = try top.required("ci").object(allowed: ConfigKeys.ci)
        let ciSecret = try ci.required("webhookSecretEnv").envName()
        let fluxSecret = try top.optional("flux")?.object(allowed: ConfigKeys.flux)
            .required("webhookSecretEnv").envName()
        let gitops = try GitOps(reading: top.required("gitops"))
        var kubernetes = Kubernetes(apiServer: "in-cluster", tokenEnv: nil, caFile: nil)
        if let section = try top.optional("kubernetes") { kubernetes = try Kubernetes(reading: section) }
        let clusters = try Cluster.all(reading: top.optional("clusters"))
        var pagerDuty: PagerDuty?
        if let section = try top.optional("pagerduty") { pagerDuty = try PagerDuty(reading: section) }

        let runbooks = try top.optional("runbooks")?.object(allowed: ConfigKeys.runbooks)
        let runbooksBaseURL = try runbooks?.required("baseURL").url() ?? "https://github.com/slipway/runbooks"
        let onCall = try top.optional("onCall")?.object(allowed: ConfigKeys.onCall)
        var onCallPagerDuty: OnCallPagerDuty?
        if let section = try onCall?.optional("pagerduty") { onCallPagerDuty = try OnCallPagerDuty(reading: section) }
        // With PagerDuty the list is only the fallback, so it may be left out.
        let onCallList =
            try onCallPagerDuty == nil ? onCall?.required("slackUserIds") : onCall?.optional("slackUserIds")
        let onCallIds = try onCallList?.stringArray() ?? []
        let people = try Self.people(reading: top.optional("people"))

        var policy = DeployPolicy()
        if let section = try top.optional("policy") { policy = try DeployPolicy(reading: section) }
        var logging = Logging()
        if let section = try top.optional("log") { logging = try Logging(reading: section) }

        self.init(
            server: server, store: store, slack: slack, ciWebhookSecretEnv: ciSecret, fluxWebhookSecretEnv: fluxSecret,
            gitops: gitops, kubernetes: kubernetes, pagerDuty: pagerDuty, runbooksBaseURL: runbooksBaseURL,
            onCallSlackUserIds: onCallIds, people: people, policy: policy,
            catalog: try Catalog(reading: top.required("services")))
        self.logging = logging
        self.clusters = clusters
        try Cluster.checkReferences(catalog, clusters: clusters)
        self.onCallPagerDuty = onCallPagerDuty
        catalog.statusCommand = slack.commands.status
        if let section = try top.optional("prometheus") { prometheus = try PrometheusSettings(reading: section) }
        try Self.checkPrometheusIsConfigured(catalog, prometheus)
    }

    /// `people`: git author email → Slack user id, emails lowercased.
    private static func people(reading reader: ConfigReader?) throws(ConfigError) -> [String: String] {
        guard let reader else { return [:] }
        var people: [String: String] = [:]
        for (email, value) in try reader.entries() {
            guard email.contains("@") else {
                throw ConfigError(path: value.path, problem: "key must be a git author email address")
            }
            people[email.lowercased()] = try value.slackUserId()
        }
        return people
    }
}
