import DeployCore
import Foundation
import SlipwayApp
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import Synchronization

/// A whole Slipway on loopback for end-to-end tests: real HTTP server, real SQLite (or PostgreSQL) store, real git
/// with a bare remote, fake Slack and PagerDuty servers. Requests are signed like Slack and CI sign them.
///
/// Start it in a `TestScope` (`SlipwayHarness.with { h in … }`, or a test with the `.harnessScope` trait): the scope
/// stops it and removes its temporary directories when the test ends, however it ends.
public final class SlipwayHarness: Sendable {
    public static let signingSecret = "test-signing-secret"
    public static let webhookSecret = "test-webhook-secret"
    public static let fluxToken = "flux-hmac-token"
    public static let routingKey = FakePagerDuty.exampleRoutingKey
    public static let teamId = "T0001"

    public let directory: String
    public let git: GitFixture
    public let slack: FakeSlack
    public let pagerDuty: FakePagerDuty
    public let kubernetes: FakeKubernetes
    public let config: SlipwayConfig
    public let app: Application
    public let client = CurlHTTPClient()
    private let lifecycle = Mutex<Lifecycle>(Lifecycle())

    private struct Lifecycle {
        var services: Task<Void, Never>?
        var stopped = false
    }

    /// Starts a harness, runs `body` with it, then stops it and removes its temporary directories, whether `body`
    /// returned or threw.
    /// - Parameters: as `init(databaseURL:clock:adjust:)`.
    public static func with<T: Sendable>(
        databaseURL: String? = nil, clock: (@Sendable () -> Date)? = nil,
        adjust: (inout [String: Any]) -> Void = { _ in }, _ body: (SlipwayHarness) async throws -> T
    ) async throws -> T {
        try await TestScope.run {
            try await body(try SlipwayHarness(databaseURL: databaseURL, clock: clock, adjust: adjust))
        }
    }

    /// Starts a harness; within a `TestScope` it is stopped, and its directories removed, when the scope ends.
    /// - Parameters:
    ///   - databaseURL: Use PostgreSQL at this URL instead of a SQLite file.
    ///   - clock: The application's clock (approval expiry, stability window); the system clock by default.
    ///   - adjust: Edits the configuration JSON object before it is parsed.
    public init(
        databaseURL: String? = nil, clock: (@Sendable () -> Date)? = nil,
        adjust: (inout [String: Any]) -> Void = { _ in }
    ) throws {
        directory = NSTemporaryDirectory() + "slipway-harness-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        TestScope.removeOnExit(directory)  // also when a later step of this initializer throws
        git = try GitFixture()
        TestScope.onExit { [git] in git.remove() }
        slack = try FakeSlack(users: ["carol@nortinia.example": "U0CAROL"])
        pagerDuty = try FakePagerDuty()
        kubernetes = try FakeKubernetes(rolloutSteps: 2)
        Self.linkCluster(kubernetes, to: git)
        var json = Self.configJSON(
            kubernetesURL: kubernetes.baseURL, remote: git.remote, checkout: directory + "/checkout",
            slackURL: slack.baseURL,
            pagerDutyURL: pagerDuty.eventsURL,
            store: databaseURL == nil
                ? ["sqlite": ["path": directory + "/slipway.sqlite"]] : ["postgres": ["urlEnv": "DATABASE_URL"]])
        adjust(&json)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/slipway.json"))
        config = try ConfigLoader.parse(data)
        var environment = [
            "SLACK_SIGNING_SECRET": Self.signingSecret, "SLACK_BOT_TOKEN": slack.token,
            "SLIPWAY_WEBHOOK_SECRET": Self.webhookSecret, "FLUX_WEBHOOK_TOKEN": Self.fluxToken,
            "PAGERDUTY_ROUTING_KEY": Self.routingKey, "KUBE_TOKEN": kubernetes.token,
            "PAGERDUTY_API_TOKEN": FakePagerDutySchedules.apiToken,
            "SLACK_APP_TOKEN": FakeSocketModeServer.defaultAppToken,
        ]
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        let secrets = try Application.Secrets.load(config, environment: environment)
        var options = Application.Options(
            channelPaceSeconds: 0, log: Log(minimum: .error), baseDirectory: directory,
            leaderTiming: LeaderElection.Timing(retryInterval: 0.2, checkInterval: 0.2))
        if let clock { options.clock = clock }
        app = try Application(config: config, secrets: secrets, options: options, environment: environment)
        TestScope.onExit { [self] in await self.stop() }
        try app.start()
    }

    /// Gives the fake cluster a Deployment and a Flux Kustomization for every service and environment of the
    /// default configuration, applying commits of `git`'s bare remote.
    public static func linkCluster(_ kubernetes: FakeKubernetes, to git: GitFixture) {
        for service in ["shop", "api"] {
            for env in ["staging", "prod"] {
                let namespace = workloadNamespace(service, env)
                kubernetes.addDeployment(
                    namespace: namespace, name: service, image: "\(GitFixture.image(service)):\(GitFixture.initialTag)",
                    replicas: 2)
                kubernetes.linkFlux(
                    kustomization: "\(service)-\(env)", gitRepository: "gitops", gitDirectory: git.remote,
                    path: GitFixture.kustomization(service, env), workloadNamespace: namespace, deployment: service,
                    image: GitFixture.image(service))
            }
        }
    }

    /// The namespace of a service's Deployment in the default configuration: `shop` for prod, `shop-staging` else.
    public static func workloadNamespace(_ service: String, _ environment: String) -> String {
        environment == "prod" ? service : "\(service)-\(environment)"
    }

    /// The configuration used by default: the shared sample's shape with two services.
    public static func configJSON(
        kubernetesURL: String = "http://127.0.0.1:9", remote: String, checkout: String, slackURL: String,
        pagerDutyURL: String, store: [String: Any]
    ) -> [String: Any] {
        func env(_ service: String, _ name: String, prod: Bool) -> [String: Any] {
            var e: [String: Any] = [
                "kustomization": GitFixture.kustomization(service, name),
                "flux": ["namespace": "flux-system", "kustomization": "\(service)-\(name)", "gitRepository": "gitops"],
                "workload": ["namespace": workloadNamespace(service, name), "deployment": service],
            ]
            if prod {
                e["promoteFrom"] = "staging"
                e["requireApproval"] = true
                e["deployers"] = ["U0ALICE", "U0BOB"]
                e["approvers"] = ["U0DANA", "U0ONCALL"]
            } else {
                e["autoDeploy"] = true
                e["deployers"] = ["*"]
                e["approvers"] = ["U0DANA", "U0ONCALL"]
            }
            return e
        }
        func service(_ name: String) -> [String: Any] {
            [
                "repo": "nortinia-ltd/\(name)", "image": GitFixture.image(name),
                "environments": ["staging": env(name, "staging", prod: false), "prod": env(name, "prod", prod: true)],
            ]
        }
        return [
            "server": ["host": "127.0.0.1", "port": 0, "maxBodyBytes": 65536, "drainSeconds": 5],
            "store": store,
            "slack": [
                "signingSecretEnv": "SLACK_SIGNING_SECRET", "botTokenEnv": "SLACK_BOT_TOKEN", "apiBaseURL": slackURL,
                "teamId": teamId, "deployChannel": "C0DEPLOYS",
                // Most tests count the channel's posts; thread logs are tested on their own.
                "threadLog": false,
            ],
            "ci": ["webhookSecretEnv": "SLIPWAY_WEBHOOK_SECRET"],
            "flux": ["webhookSecretEnv": "FLUX_WEBHOOK_TOKEN"],
            "gitops": [
                "url": remote, "branch": "main", "checkout": checkout,
                "author": ["name": "Slipway", "email": "slipway@nortinia.example"],
            ],
            "kubernetes": ["apiServer": kubernetesURL, "tokenEnv": "KUBE_TOKEN"],
            "pagerduty": ["routingKeyEnv": "PAGERDUTY_ROUTING_KEY", "eventsURL": pagerDutyURL],
            "runbooks": ["baseURL": "https://runbooks.example/slipway"],
            "onCall": ["slackUserIds": ["U0ONCALL"]],
            "people": ["alice@nortinia.example": "U0ALICE"],
            "policy": [
                "stabilityWindowSeconds": 1, "approvalTimeoutSeconds": 1800, "pollIntervalSeconds": 0.2,
                "rolloutTimeoutSeconds": 30,
            ],
            "services": ["shop": service("shop"), "api": service("api")],
        ]
    }

    public var baseURL: String { "http://127.0.0.1:\(app.port)" }

    /// Starts the background services (GitOps worker, outbox).
    public func startServices() {
        let app = self.app
        lifecycle.withLock { lifecycle in
            guard lifecycle.services == nil, !lifecycle.stopped else { return }
            lifecycle.services = Task { await app.runServices() }
        }
    }

    /// Stops everything and removes temporary files; later calls do nothing.
    public func stop() async {
        let (services, first) = lifecycle.withLock { lifecycle in
            defer { lifecycle.stopped = true }
            return (lifecycle.services, !lifecycle.stopped)
        }
        guard first else { return }
        app.drain()
        services?.cancel()
        _ = await services?.value
        slack.stop()
        pagerDuty.stop()
        kubernetes.stop()
        git.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Requests

    /// Sends a raw request to Slipway.
    public func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: [UInt8] = []) async throws
        -> HTTPResponse
    {
        try await client.perform(
            HTTPClientRequest(method: method, url: baseURL + path, headers: headers, body: body, timeout: 10))
    }

    /// Slack v0 headers for `body` at `timestamp` (now by default).
    public func slackHeaders(_ body: [UInt8], timestamp: Int64? = nil, secret: String = signingSecret) -> HTTPHeaders {
        let ts = timestamp ?? Int64(Date().timeIntervalSince1970)
        let signature = "v0=" + HMAC.sha256Hex(key: secret, message: Array("v0:\(ts):".utf8) + body)
        return [
            "X-Slack-Signature": signature, "X-Slack-Request-Timestamp": String(ts),
            "Content-Type": "application/x-www-form-urlencoded",
        ]
    }

    /// A slash command form body like Slack's.
    public func commandBody(
        _ line: String, user: String = "U0ALICE", channel: String = "C0DEPLOYS", responseURL: String? = nil,
        team: String = teamId
    ) -> [UInt8] {
        let command = String(line.prefix { $0 != " " })
        let text = String(line.dropFirst(command.count)).trimmingCharacters(in: .whitespaces)
        let fields: [(String, String)] = [
            ("token", "x"), ("team_id", team), ("team_domain", "nortinia"), ("channel_id", channel),
            ("channel_name", "deploys"), ("user_id", user), ("user_name", user.lowercased()), ("command", command),
            ("text", text), ("response_url", responseURL ?? slack.responseURL("cmd-\(UUID().uuidString.prefix(8))")),
            ("trigger_id", "1.2.3"),
        ]
        return FormEncoder.encode(fields)
    }

    /// Sends a signed slash command and returns the HTTP response.
    public func command(_ line: String, user: String = "U0ALICE", channel: String = "C0DEPLOYS") async throws
        -> HTTPResponse
    {
        let body = commandBody(line, user: user, channel: channel)
        return try await send(.post, "/slack/commands", headers: slackHeaders(body), body: body)
    }

    /// The reply of a signed slash command: response type and all text in it.
    public func reply(_ line: String, user: String = "U0ALICE") async throws -> (type: String?, text: String) {
        let response = try await command(line, user: user)
        guard response.status == 200 else { return (nil, "HTTP \(response.status): \(response.bodyText)") }
        return Self.replyText(response.body)
    }

    /// Clicks a button: a signed `payload=` block_actions interaction.
    public func click(actionId: String, value: String, user: String) async throws -> HTTPResponse {
        let payload: [String: Any] = [
            "type": "block_actions", "team": ["id": Self.teamId, "domain": "nortinia"],
            "user": ["id": user, "username": user.lowercased(), "name": user.lowercased(), "team_id": Self.teamId],
            "api_app_id": "A1", "token": "x", "trigger_id": "trigger-\(UUID().uuidString)",
            "container": ["type": "message", "message_ts": "1.1", "channel_id": "C0DEPLOYS", "is_ephemeral": false],
            "channel": ["id": "C0DEPLOYS", "name": "deploys"],
            "response_url": slack.responseURL("click-\(UUID().uuidString.prefix(8))"),
            "actions": [
                ["action_id": actionId, "block_id": "b", "value": value, "type": "button", "action_ts": "1.2"]
            ],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let body = Array("payload=\(FormEncoder.encode(json))".utf8)
        return try await send(.post, "/slack/interactions", headers: slackHeaders(body), body: body)
    }

    /// Sends a signed CI image-built webhook.
    public func imageBuilt(_ object: [String: Any], secret: String = webhookSecret) async throws -> HTTPResponse {
        let body = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        return try await imageBuilt(raw: body, secret: secret)
    }

    public func imageBuilt(raw body: [UInt8], secret: String = webhookSecret) async throws -> HTTPResponse {
        let signature = "sha256=" + HMAC.sha256Hex(key: secret, message: body)
        return try await send(
            .post, "/api/v1/deploy/image-built",
            headers: ["X-Slipway-Signature": signature, "Content-Type": "application/json"], body: body)
    }

    // MARK: Observing

    /// Polls `condition` until it holds or `timeout` seconds pass. - Returns: whether it held.
    @discardableResult
    public func waitUntil(timeout: Double = 10, _ condition: () throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return (try? condition()) == true
    }

    /// The stored deploy.
    public func deploy(_ id: String) throws -> Deploy? { try app.store.read { r in try r.deploy(id: id) } }

    /// The most recent deploy of an environment.
    public func latestDeploy(_ service: String, _ environment: String) throws -> Deploy? {
        try app.store.read { r in try r.recentDeploys(service: service, environment: environment, limit: 1).first }
    }

    /// The tag in the remote's kustomization of an environment.
    public func remoteTag(_ service: String, _ environment: String) throws -> String? {
        let text = try git.remoteFile(GitFixture.kustomization(service, environment))
        for line in text.split(separator: "\n") where line.contains("newTag:") {
            let value = line.split(separator: ":", maxSplits: 1)[1].split(separator: "#")[0]
            return value.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }

    static func replyText(_ body: [UInt8]) -> (type: String?, text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return (nil, String(decoding: body, as: UTF8.self))
        }
        var texts: [String] = []
        func collect(_ value: Any) {
            if let array = value as? [Any] { array.forEach(collect) }
            if let dict = value as? [String: Any] {
                if let text = dict["text"] as? String { texts.append(text) }
                for (key, nested) in dict where key != "text" || !(nested is String) { collect(nested) }
            }
        }
        collect(object)
        return (object["response_type"] as? String, texts.joined(separator: "\n"))
    }
}
