import Foundation

/// Reads and validates a configuration, reporting the first problem with its JSON path.
public enum ConfigLoader {
    /// Parses configuration JSON.
    /// - Throws: `ConfigError` naming the JSON path and the problem, e.g.
    ///   `services.shop.environments.prod.promoteFrom: no environment "stagin" (did you mean "staging"?)`.
    public static func parse(_ data: Data) throws(ConfigError) -> SlipwayConfig {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ConfigError(path: "", problem: "not valid JSON (\(jsonErrorSummary(error)))")
        }
        let node = Node(value: root, path: "")
        return try build(node)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigError) -> SlipwayConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: "", problem: "cannot read config file \(path); check the path and permissions")
        }
        return try parse(data)
    }

    private static func jsonErrorSummary(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "parse error"
    }

    private static func build(_ root: Node) throws(ConfigError) -> SlipwayConfig {
        let top = try root.object(
            allowed: [
                "server", "store", "slack", "ci", "flux", "gitops", "kubernetes", "pagerduty", "runbooks", "onCall",
                "people", "policy", "services", "log",
            ])

        let serverNode = try top.required("server").object(allowed: [
            "host", "port", "maxBodyBytes", "drainSeconds", "threads", "connectionMemoryBytes",
        ])
        let port = try serverNode.optional("port")?.int(in: 0...65535) ?? 8080
        let server = SlipwayConfig.Server(
            host: try serverNode.optional("host")?.nonEmptyString() ?? "127.0.0.1",
            port: port,
            maxBodyBytes: try serverNode.optional("maxBodyBytes")?.int(in: 1024...(64 << 20)) ?? 1 << 20,
            drainSeconds: try serverNode.optional("drainSeconds")?.number(in: 0...600) ?? 10,
            threads: try serverNode.optional("threads")?.int(in: 1...256),
            connectionMemoryBytes: try serverNode.optional("connectionMemoryBytes")?.int(in: 4096...(1 << 20))
                ?? 8 << 10)

        let storeNode = try top.required("store").object(allowed: ["sqlite", "postgres"])
        let store: SlipwayConfig.StoreLocation
        if let sqlite = try storeNode.optional("sqlite") {
            let fields = try sqlite.object(allowed: ["path"])
            store = .sqlite(path: try fields.required("path").nonEmptyString())
        } else if let postgres = try storeNode.optional("postgres") {
            let fields = try postgres.object(allowed: ["urlEnv"])
            store = .postgres(urlEnv: try fields.required("urlEnv").envName())
        } else {
            throw ConfigError(
                path: storeNode.path,
                problem:
                    #"needs {"sqlite": {"path": "var/slipway.sqlite"}} or {"postgres": {"urlEnv": "DATABASE_URL"}}"#)
        }

        let slackNode = try top.required("slack").object(
            allowed: ["signingSecretEnv", "botTokenEnv", "apiBaseURL", "teamId", "deployChannel"])
        let slack = SlipwayConfig.Slack(
            signingSecretEnv: try slackNode.required("signingSecretEnv").envName(),
            botTokenEnv: try slackNode.required("botTokenEnv").envName(),
            apiBaseURL: try slackNode.optional("apiBaseURL")?.url() ?? "https://slack.com/api",
            teamId: try slackNode.optional("teamId")?.nonEmptyString(),
            deployChannel: try slackNode.required("deployChannel").nonEmptyString())

        let ci = try top.required("ci").object(allowed: ["webhookSecretEnv"])
        let ciSecret = try ci.required("webhookSecretEnv").envName()
        let fluxSecret = try top.optional("flux")?.object(allowed: ["webhookSecretEnv"])
            .required("webhookSecretEnv").envName()

        let gitNode = try top.required("gitops").object(allowed: ["url", "branch", "checkout", "author"])
        let author = try gitNode.required("author").object(allowed: ["name", "email"])
        let gitops = SlipwayConfig.GitOps(
            url: try gitNode.required("url").nonEmptyString(),
            branch: try gitNode.optional("branch")?.nonEmptyString() ?? "main",
            checkout: try gitNode.optional("checkout")?.nonEmptyString() ?? "var/gitops",
            authorName: try author.required("name").nonEmptyString(),
            authorEmail: try author.required("email").nonEmptyString())

        let k8sNode = try top.optional("kubernetes")?.object(allowed: ["apiServer", "tokenEnv", "caFile"])
        var kubernetes = SlipwayConfig.Kubernetes(apiServer: "in-cluster", tokenEnv: nil, caFile: nil)
        if let k8sNode {
            let api = try k8sNode.required("apiServer")
            let apiServer = try api.nonEmptyString()
            if apiServer != "in-cluster" { _ = try api.url() }
            kubernetes = SlipwayConfig.Kubernetes(
                apiServer: apiServer, tokenEnv: try k8sNode.optional("tokenEnv")?.envName(),
                caFile: try k8sNode.optional("caFile")?.nonEmptyString())
        }

        var pagerDuty: SlipwayConfig.PagerDuty?
        if let pd = try top.optional("pagerduty")?.object(allowed: ["routingKeyEnv", "eventsURL"]) {
            pagerDuty = SlipwayConfig.PagerDuty(
                routingKeyEnv: try pd.required("routingKeyEnv").envName(),
                eventsURL: try pd.optional("eventsURL")?.url() ?? "https://events.pagerduty.com/v2/enqueue")
        }

        let runbooks = try top.optional("runbooks")?.object(allowed: ["baseURL"])
        let runbooksBaseURL = try runbooks?.required("baseURL").url() ?? "https://github.com/slipway/runbooks"

        let onCall = try top.optional("onCall")?.object(allowed: ["slackUserIds"])
        let onCallIds = try onCall?.required("slackUserIds").stringArray() ?? []

        var people: [String: String] = [:]
        if let peopleNode = try top.optional("people") {
            for (email, value) in try peopleNode.entries() {
                guard email.contains("@") else {
                    throw ConfigError(path: value.path, problem: "key must be a git author email address")
                }
                people[email.lowercased()] = try value.slackUserId()
            }
        }

        var policy = DeployPolicy()
        if let p = try top.optional("policy")?.object(allowed: [
            "stabilityWindowSeconds", "approvalTimeoutSeconds", "pollIntervalSeconds", "rolloutTimeoutSeconds",
            "idempotencyWindowSeconds",
        ]) {
            policy.stabilityWindowSeconds =
                try p.optional("stabilityWindowSeconds")?.number(in: 0...86_400) ?? policy.stabilityWindowSeconds
            policy.approvalTimeoutSeconds =
                try p.optional("approvalTimeoutSeconds")?.number(in: 10...604_800) ?? policy.approvalTimeoutSeconds
            policy.pollIntervalSeconds =
                try p.optional("pollIntervalSeconds")?.number(in: 0.05...600) ?? policy.pollIntervalSeconds
            policy.rolloutTimeoutSeconds =
                try p.optional("rolloutTimeoutSeconds")?.number(in: 1...86_400) ?? policy.rolloutTimeoutSeconds
            policy.idempotencyWindowSeconds =
                try p.optional("idempotencyWindowSeconds")?.number(in: 60...2_592_000)
                ?? policy.idempotencyWindowSeconds
        }

        var logging = SlipwayConfig.Logging()
        if let log = try top.optional("log")?.object(allowed: ["level", "format"]) {
            logging.level = try log.optional("level")?.choice(of: SlipwayConfig.Logging.Level.self) ?? logging.level
            logging.format = try log.optional("format")?.choice(of: SlipwayConfig.Logging.Format.self) ?? logging.format
        }

        let catalog = try buildCatalog(try top.required("services"))
        var config = SlipwayConfig(
            server: server, store: store, slack: slack, ciWebhookSecretEnv: ciSecret, fluxWebhookSecretEnv: fluxSecret,
            gitops: gitops, kubernetes: kubernetes, pagerDuty: pagerDuty, runbooksBaseURL: runbooksBaseURL,
            onCallSlackUserIds: onCallIds, people: people, policy: policy, catalog: catalog)
        config.logging = logging
        return config
    }

    private static func buildCatalog(_ node: Node) throws(ConfigError) -> Catalog {
        var services: [String: ServiceEntry] = [:]
        var repos: [String: String] = [:]
        let entries = try node.entries()
        if entries.isEmpty { throw ConfigError(path: node.path, problem: "configure at least one service") }
        for (name, serviceNode) in entries {
            try Node.checkName(name, path: serviceNode.path, what: "service")
            let s = try serviceNode.object(allowed: ["repo", "image", "environments"])
            let repoNode = try s.required("repo")
            let repo = try repoNode.nonEmptyString()
            guard repo.split(separator: "/").count == 2 else {
                throw ConfigError(path: repoNode.path, problem: "must be owner/name as CI sends it, e.g. \"acme/shop\"")
            }
            if let other = repos[repo.lowercased()] {
                throw ConfigError(path: repoNode.path, problem: "repo \(repo) is already used by service \"\(other)\"")
            }
            repos[repo.lowercased()] = name
            let imageNode = try s.required("image")
            let image = try imageNode.nonEmptyString()
            if image.contains("@") || image.split(separator: "/").last?.contains(":") == true {
                throw ConfigError(path: imageNode.path, problem: "give the image without a tag or digest")
            }
            var environments: [String: EnvironmentEntry] = [:]
            let envsNode = try s.required("environments")
            let envEntries = try envsNode.entries()
            if envEntries.isEmpty {
                throw ConfigError(path: envsNode.path, problem: "configure at least one environment")
            }
            for (envName, envNode) in envEntries {
                try Node.checkName(envName, path: envNode.path, what: "environment")
                environments[envName] = try buildEnvironment(envName, envNode)
            }
            for (envName, envNode) in envEntries {
                guard let from = environments[envName]?.promoteFrom else { continue }
                let fromPath = envNode.path + ".promoteFrom"
                if environments[from] == nil {
                    let hint = Suggestion.closest(to: from, among: environments.keys).map {
                        " (did you mean \"\($0)\"?)"
                    }
                    throw ConfigError(path: fromPath, problem: "no environment \"\(from)\"" + (hint ?? ""))
                }
                if from == envName {
                    throw ConfigError(path: fromPath, problem: "an environment cannot promote from itself")
                }
                var seen: Set<String> = [envName]
                var current = from
                while let next = environments[current]?.promoteFrom {
                    if !seen.insert(current).inserted || next == envName {
                        throw ConfigError(path: fromPath, problem: "promotion cycle through \"\(current)\"")
                    }
                    current = next
                }
            }
            services[name] = ServiceEntry(name: name, repo: repo, image: image, environments: environments)
        }
        return Catalog(services: services)
    }

    private static func buildEnvironment(_ name: String, _ node: Node) throws(ConfigError) -> EnvironmentEntry {
        let e = try node.object(allowed: [
            "kustomization", "flux", "workload", "autoDeploy", "promoteFrom", "requireApproval", "deployers",
            "approvers",
        ])
        let kNode = try e.required("kustomization")
        let kustomization = try kNode.nonEmptyString()
        if kustomization.hasPrefix("/") || kustomization.split(separator: "/").contains("..") {
            throw ConfigError(
                path: kNode.path, problem: "must be a path inside the GitOps repository, without .. or a leading /")
        }
        if !(kustomization.hasSuffix(".yaml") || kustomization.hasSuffix(".yml")) {
            throw ConfigError(
                path: kNode.path,
                problem: "must name the kustomization.yaml file, e.g. clusters/prod/shop/kustomization.yaml")
        }
        let flux = try e.required("flux").object(allowed: ["namespace", "kustomization", "gitRepository"])
        let workload = try e.required("workload").object(allowed: ["namespace", "deployment"])
        let requireApproval = try e.optional("requireApproval")?.bool() ?? false
        let approvers = try e.optional("approvers")?.stringArray() ?? []
        if requireApproval && approvers.isEmpty {
            throw ConfigError(
                path: e.path + ".approvers",
                problem: "requireApproval is set but no approvers are listed; add Slack user ids or \"*\"")
        }
        return EnvironmentEntry(
            name: name,
            kustomization: kustomization,
            flux: .init(
                namespace: try flux.optional("namespace")?.nonEmptyString() ?? "flux-system",
                kustomization: try flux.required("kustomization").nonEmptyString(),
                gitRepository: try flux.required("gitRepository").nonEmptyString()),
            workload: .init(
                namespace: try workload.required("namespace").nonEmptyString(),
                deployment: try workload.required("deployment").nonEmptyString()),
            autoDeploy: try e.optional("autoDeploy")?.bool() ?? false,
            promoteFrom: try e.optional("promoteFrom")?.nonEmptyString(),
            requireApproval: requireApproval,
            deployers: try e.optional("deployers")?.stringArray() ?? ["*"],
            approvers: approvers)
    }
}

/// A JSON value with its path, for precise error messages.
private struct Node {
    var value: Any
    var path: String

    func child(_ key: String) -> Node { Node(value: (value as? [String: Any])?[key] as Any, path: join(key)) }

    private func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Checks this is an object whose keys are all known.
    func object(allowed: [String]) throws(ConfigError) -> Node {
        guard let dict = value as? [String: Any] else { throw ConfigError(path: path, problem: "must be an object") }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            let hint = Suggestion.closest(to: key, among: allowed).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw ConfigError(path: join(key), problem: "unknown field" + hint)
        }
        return self
    }

    func entries() throws(ConfigError) -> [(String, Node)] {
        guard let dict = value as? [String: Any] else { throw ConfigError(path: path, problem: "must be an object") }
        return dict.keys.sorted().map { ($0, Node(value: dict[$0]!, path: join($0))) }
    }

    func required(_ key: String) throws(ConfigError) -> Node {
        guard let dict = value as? [String: Any], let v = dict[key], !(v is NSNull) else {
            throw ConfigError(path: join(key), problem: "is required")
        }
        return Node(value: v, path: join(key))
    }

    func optional(_ key: String) throws(ConfigError) -> Node? {
        guard let dict = value as? [String: Any], let v = dict[key], !(v is NSNull) else { return nil }
        return Node(value: v, path: join(key))
    }

    func string() throws(ConfigError) -> String {
        guard let s = value as? String else { throw ConfigError(path: path, problem: "must be a string") }
        return s
    }

    func nonEmptyString() throws(ConfigError) -> String {
        let s = try string()
        if s.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ConfigError(path: path, problem: "must not be empty")
        }
        return s
    }

    func envName() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        let ok = s.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95
        }
        guard ok, let first = s.utf8.first, !(first >= 48 && first <= 57) else {
            throw ConfigError(
                path: path,
                problem: "must name an environment variable (letters, digits, _), not hold the secret itself")
        }
        return s
    }

    func url() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            u.host != nil
        else { throw ConfigError(path: path, problem: "must be an http(s) URL, got \"\(s)\"") }
        return s.hasSuffix("/") ? String(s.dropLast()) : s
    }

    /// One of an enumeration's raw values, e.g. `"json"` for a log format.
    func choice<Choice: RawRepresentable & CaseIterable>(of _: Choice.Type) throws(ConfigError) -> Choice
    where Choice.RawValue == String {
        let text = try string()
        if let value = Choice(rawValue: text) { return value }
        let names = Choice.allCases.map(\.rawValue)
        let hint = Suggestion.closest(to: text, among: names).map { " (did you mean \"\($0)\"?)" } ?? ""
        throw ConfigError(path: path, problem: "must be one of \(names.joined(separator: ", "))" + hint)
    }

    func bool() throws(ConfigError) -> Bool {
        guard let n = value as? NSNumber, isBoolean(n) else {
            throw ConfigError(path: path, problem: "must be true or false")
        }
        return n.boolValue
    }

    func number(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard !(value is String), let n = value as? NSNumber, !isBoolean(n) else {
            throw ConfigError(path: path, problem: "must be a number")
        }
        let d = n.doubleValue
        guard range.contains(d) else {
            throw ConfigError(
                path: path,
                problem: "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(format(d))"
            )
        }
        return d
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let d = try number(in: Double(range.lowerBound)...Double(range.upperBound))
        guard d == d.rounded() else { throw ConfigError(path: path, problem: "must be a whole number") }
        return Int(d)
    }

    func stringArray() throws(ConfigError) -> [String] {
        guard let items = value as? [Any] else { throw ConfigError(path: path, problem: "must be a list of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item as? String, !s.isEmpty else {
                throw ConfigError(path: "\(path)[\(i)]", problem: "must be a non-empty string")
            }
            out.append(s)
        }
        return out
    }

    func slackUserId() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        guard let f = s.first, f == "U" || f == "W", s.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
        else {
            throw ConfigError(path: path, problem: "must be a Slack user id like U0ALICE")
        }
        return s
    }

    static func checkName(_ name: String, path: String, what: String) throws(ConfigError) {
        let ok =
            !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
        if !ok {
            throw ConfigError(
                path: path, problem: "\(what) names must be lowercase letters, digits, - or _ (they are typed in Slack)"
            )
        }
    }

    /// JSONSerialization gives booleans the Objective-C type code "c"; numbers get "i", "q" or "d".
    private func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    private func format(_ d: Double) -> String { d == d.rounded() ? String(Int(d)) : String(d) }
}
