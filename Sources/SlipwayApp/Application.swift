import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayHTTP
import SlipwayKubernetes
import SlipwaySlack
import SlipwayStore
import Synchronization

/// The composition root: builds every part from the configuration and secrets, serves HTTP, and runs the
/// background services until a signal asks it to drain and stop.
public final class Application: Sendable {
    public let config: SlipwayConfig
    public let store: any Store
    public let coordinator: DeployCoordinator
    public let metrics: Metrics
    public let server: HTTPServer
    /// Serves `/metrics`, `/healthz` and `/ready` when `server.adminPort` is set (they are then 404 on `server`).
    public let adminServer: HTTPServer?
    /// Every route of `server`, as the server calls it (also called in-process by `slipway-bench`).
    package let handler: HTTPHandler
    public let worker: DeployWorker
    public let deliverer: OutboxDeliverer
    public let gitops: GitOpsRepository
    public let monitorWake: Wakeup
    public let monitor: RolloutMonitor
    /// Verifies deploys against metrics through their verification window (`verify`).
    public let verification: VerificationMonitor
    /// Deletes expired idempotency keys and cached values, and old finished outbox messages.
    public let pruner: StorePruner
    /// Decides whether this replica runs the background services (always, with SQLite).
    public let leadership: LeaderElection
    /// Runs the background services (while leading) and the graceful shutdown.
    public let runner: ServiceRunner
    /// Who is on call (PagerDuty or `onCall.slackUserIds`).
    public let onCall: OnCallDirectory
    /// The App Home dashboard, published on `app_home_opened` and kept current (every replica).
    public let appHome: AppHome
    /// What Slack's commands, clicks and events are handed to, over HTTP or Socket Mode; register Events API
    /// handlers on its `events`.
    public let slackIngress: SlackIngress
    /// Slack Socket Mode (`slack.socketMode`), run on every replica; nil in HTTP-only mode.
    public let socketMode: SocketModeService?
    let readiness = Readiness()
    let log: Log

    /// Secrets read from the environment variables the configuration names.
    public struct Secrets: Sendable {
        public var signingSecret: String
        public var botToken: String
        public var ciWebhookSecret: String
        public var fluxWebhookSecret: String?
        public var pagerDutyRoutingKey: String?
        public var databaseURL: String?
        /// The PagerDuty REST API token of `onCall.pagerduty`.
        public var pagerDutyAPIToken: String? = nil
        /// The app-level token (`xapp-…`) for Socket Mode.
        public var appToken: String? = nil

        /// Reads every configured secret.
        /// - Throws: `ConfigError` naming the first missing variable.
        public static func load(_ config: SlipwayConfig, environment: [String: String]) throws(ConfigError) -> Secrets {
            if let missing = config.missingSecrets(in: environment).first { throw missing }
            func value(_ name: String?) -> String? { name.flatMap { environment[$0] } }
            let urlEnv: String? = if case .postgres(let env) = config.store { env } else { nil }
            var secrets = Secrets(
                signingSecret: environment[config.slack.signingSecretEnv]!,
                botToken: environment[config.slack.botTokenEnv]!,
                ciWebhookSecret: environment[config.ciWebhookSecretEnv]!,
                fluxWebhookSecret: value(config.fluxWebhookSecretEnv),
                pagerDutyRoutingKey: value(config.pagerDuty?.routingKeyEnv), databaseURL: value(urlEnv),
                appToken: value(config.slack.socketMode?.appTokenEnv))
            secrets.pagerDutyAPIToken = value(config.onCallPagerDuty?.apiTokenEnv)
            return secrets
        }
    }

    /// Options that tests and benchmarks change.
    public struct Options: Sendable {
        public var clock: @Sendable () -> Date
        public var slackClock: @Sendable () -> Int64
        public var channelPaceSeconds: Double
        public var log: Log
        /// Resolves relative paths in the config (store, checkout, a local GitOps URL).
        public var baseDirectory: String
        /// How often the store is pruned and how long finished outbox messages are kept.
        public var pruning: StorePruner.Configuration
        /// How often a follower tries to become the leader, and the leader checks it still is (PostgreSQL).
        public var leaderTiming: LeaderElection.Timing

        public init(
            clock: @escaping @Sendable () -> Date = { Date() },
            slackClock: @escaping @Sendable () -> Int64 = SlackRequestVerifier.systemClock,
            channelPaceSeconds: Double = 1, log: Log = Log(),
            baseDirectory: String = FileManager.default.currentDirectoryPath,
            pruning: StorePruner.Configuration = StorePruner.Configuration(),
            leaderTiming: LeaderElection.Timing = LeaderElection.Timing()
        ) {
            self.clock = clock
            self.slackClock = slackClock
            self.channelPaceSeconds = channelPaceSeconds
            self.log = log
            self.baseDirectory = baseDirectory
            self.pruning = pruning
            self.leaderTiming = leaderTiming
        }
    }

    public init(
        config: SlipwayConfig, secrets: Secrets, options: Options = Options(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.config = config
        self.log = options.log
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || path == ":memory:" ? path : options.baseDirectory + "/" + path
        }
        let base: any Store
        let leaderLock: any LeaderLock
        switch config.store {
        case .sqlite(let path):
            base = try SQLiteStore(path: resolve(path))
            leaderLock = SingleProcessLock()
        case .postgres:
            base = try PostgresStore(url: secrets.databaseURL ?? "")
            // A connection of its own: the lock lives exactly as long as that session.
            leaderLock = try PostgresSessionLock(url: secrets.databaseURL ?? "", key: LeaderElection.advisoryLockKey)
        }
        let observedStore = ObservedStore(base)
        store = observedStore
        leadership = LeaderElection(lock: leaderLock, timing: options.leaderTiming, log: options.log)
        let http = CurlHTTPClient()
        let renderer = DeployMessageRenderer(runbooksBaseURL: config.runbooksBaseURL, onCall: config.onCallSlackUserIds)
        var composer = OutboxComposer(
            deployChannel: config.slack.deployChannel, onCall: config.onCallSlackUserIds,
            pagingEnabled: config.pagerDuty != nil && secrets.pagerDutyRoutingKey != nil, catalog: config.catalog,
            renderer: renderer)
        composer.onCallFromPagerDuty = config.onCallPagerDuty != nil && secrets.pagerDutyAPIToken != nil
        if config.slack.threadLog {
            var threadLog = ThreadLog(
                commitURL: ThreadLog.CommitURL(remote: config.gitops.url),
                stabilityWindowSeconds: config.policy.stabilityWindowSeconds, catalog: config.catalog,
                branch: config.gitops.branch)
            threadLog.runbooksBaseURL = config.runbooksBaseURL
            composer.threadLog = threadLog
        }
        let metrics = Metrics()
        self.metrics = metrics
        coordinator = DeployCoordinator(
            store: store, catalog: config.catalog, policy: config.policy, outbox: composer, clock: options.clock,
            onFinished: { deploy in metrics.recordFinished(deploy) })
        monitorWake = coordinator.rolloutAvailable
        gitops = GitOpsRepository(
            configuration: .init(
                url: config.gitops.url, branch: config.gitops.branch, checkoutPath: resolve(config.gitops.checkout),
                authorName: config.gitops.authorName, authorEmail: config.gitops.authorEmail,
                baseDirectory: options.baseDirectory,
                signing: config.gitops.signing.map {
                    .init(format: $0.format == .ssh ? .ssh : .openpgp, keyFile: resolve($0.keyFile))
                },
                token: config.gitops.tokenEnv.flatMap { environment[$0] }, partialClone: config.gitops.partialClone))
        let producedImages = ProducedImages(gitops: gitops)
        // The top-level `kubernetes` cluster only when an environment runs there; each named cluster in use besides.
        var clientsByName: [String: KubernetesClient] = [:]
        for name in config.clustersInUse {
            if name == SlipwayConfig.defaultClusterName {
                clientsByName[name] = KubernetesClient(
                    configuration: try KubernetesConfiguration.resolve(
                        apiServer: config.kubernetes.apiServer, tokenEnv: config.kubernetes.tokenEnv,
                        caFile: config.kubernetes.caFile, environment: environment))
            } else if let cluster = config.clusters[name] {
                clientsByName[name] = KubernetesClient(
                    configuration: try KubernetesConfiguration.resolve(
                        cluster: cluster.resolvingPaths(resolve), name: name, environment: environment))
            }
        }
        let clusters = ClusterClients(clientsByName)
        worker = DeployWorker(
            coordinator: coordinator, gitops: gitops, log: options.log, producedImages: producedImages,
            preDeploy: PreDeploySteps(coordinator: coordinator, gitops: gitops, clusters: clusters, log: options.log))
        let imageAutomation = ImageAutomationSwitch(coordinator: coordinator, clusters: clusters, log: options.log)
        monitor = RolloutMonitor(
            coordinator: coordinator, client: clientsByName[SlipwayConfig.defaultClusterName],
            policy: config.policy, branch: config.gitops.branch, wake: monitorWake, log: options.log,
            clusters: clientsByName.filter { $0.key != SlipwayConfig.defaultClusterName },
            producedImages: producedImages)
        verification = VerificationMonitor(
            coordinator: coordinator,
            prometheus: config.prometheus.map {
                PrometheusClient(http: http, baseURL: $0.url, token: $0.tokenEnv.flatMap { environment[$0] })
            }, http: http, gitops: gitops, log: options.log, clusters: clusters)
        let slack = SlackWebClient(httpClient: http, token: secrets.botToken, baseURL: config.slack.apiBaseURL)
        let onCall = OnCallDirectory(
            pagerDuty: config.onCallPagerDuty.flatMap { pd in
                secrets.pagerDutyAPIToken.map {
                    (pd.scheduleIds, PagerDutyOnCallClient(httpClient: http, token: $0, apiURL: pd.apiURL))
                }
            }, fallback: config.onCallSlackUserIds, people: config.people, slack: slack, clock: options.clock,
            log: options.log)
        self.onCall = onCall
        let pagerDuty = config.pagerDuty.map { PagerDutyClient(httpClient: http, eventsURL: $0.eventsURL) }
        deliverer = OutboxDeliverer(
            configuration: .init(
                deployChannel: config.slack.deployChannel, channelPaceSeconds: options.channelPaceSeconds,
                people: config.people, pagerDutyRoutingKey: secrets.pagerDutyRoutingKey,
                runbooksBaseURL: config.runbooksBaseURL, statusCommand: config.slack.commands.status),
            store: store, slack: slack, pagerDuty: pagerDuty, renderer: renderer, clock: options.clock,
            wake: coordinator.outboxAvailable, metrics: metrics, log: options.log, onCall: onCall,
            catalog: config.catalog)
        pruner = StorePruner(configuration: options.pruning, store: store, clock: options.clock, log: options.log)

        var status = StatusReport(
            store: store, catalog: config.catalog, clock: options.clock, names: config.slack.commands,
            clusterHealth: monitor.health)
        status.onCall = onCall
        var commands = CommandHandler(coordinator: coordinator, status: status, names: config.slack.commands)
        var deployModal = DeployModal(
            store: store, catalog: config.catalog, slack: slack, names: config.slack.commands, log: options.log)
        deployModal.planning = coordinator
        commands.deployModal = deployModal
        let usergroups = UsergroupDirectory(client: slack, now: options.clock)
        let interactions = InteractionHandler(
            coordinator: coordinator, commands: commands, renderer: renderer, usergroups: usergroups)
        let verifier = SlackRequestVerifier(
            signingSecret: secrets.signingSecret, clock: options.slackClock, teamId: config.slack.teamId)
        let slackIngress = SlackIngress(commands: commands, interactions: interactions, verifier: verifier)
        self.slackIngress = slackIngress
        let appHome = AppHome(
            store: store, catalog: config.catalog, slack: slack, names: config.slack.commands, onCall: onCall,
            clock: options.clock, log: options.log, usergroups: usergroups)
        appHome.register(on: slackIngress.events)
        self.appHome = appHome
        let slackEndpoints = SlackEndpoints(verifier: verifier, ingress: slackIngress)
        socketMode = secrets.appToken.map { appToken in
            let appClient = SlackWebClient(httpClient: http, token: appToken, baseURL: config.slack.apiBaseURL)
            return SocketModeService(
                ingress: slackIngress, openURL: { try await appClient.openSocketModeConnection() },
                log: options.log)
        }
        let socketModeMetrics = socketMode?.metrics
        let imageBuilt = ImageBuiltEndpoint(
            secret: secrets.ciWebhookSecret, coordinator: coordinator, policy: config.policy)

        var router = Router()
        var adminRouter = Router()
        let readiness = self.readiness
        let store = self.store
        let clock = options.clock
        let leadership = self.leadership
        // With an admin port these live there only: an Ingress in front of the main port cannot expose them.
        let adminPort = config.server.adminPort
        func addAdmin(_ path: String, _ handler: @escaping HTTPHandler) {
            if adminPort == nil { router.add(.get, path, handler) } else { adminRouter.add(.get, path, handler) }
        }
        addAdmin("/healthz") { _ in .json(200, #"{"status":"alive"}"#) }
        addAdmin("/ready") { _ in
            guard readiness.isReady else { return .json(503, #"{"status":"\#(readiness.phase)"}"#) }
            // A store that cannot be written (full disk, read-only volume) cannot take deploys: say so until a write
            // succeeds again.
            return observedStore.isWriteFailing
                ? .json(503, #"{"status":"store_unwritable"}"#) : .json(200, #"{"status":"ready"}"#)
        }
        addAdmin("/metrics") { _ in
            let text = metrics.render(store: store, now: clock(), isLeader: leadership.isLeader)
            return HTTPResponse(
                status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                body: Array(
                    (text + leadership.metricsText + observedStore.metricsText + (socketModeMetrics?.metricsText ?? ""))
                        .utf8))
        }
        router.add(.post, "/slack/commands", slackEndpoints.command)
        router.add(.post, "/slack/interactions", slackEndpoints.interaction)
        router.add(.post, "/slack/events", slackEndpoints.event)
        router.add(.post, "/api/v1/deploy/image-built", imageBuilt.handle)
        if let fluxSecret = secrets.fluxWebhookSecret {
            let flux = FluxEventsEndpoint(
                secret: fluxSecret, store: store, catalog: config.catalog, monitorWake: monitorWake)
            router.add(.post, "/api/v1/flux/events", flux.handle)
        }
        let requestMetrics = HTTPRequestMetrics(routes: router.paths + adminRouter.paths + [Router.unmatchedRoute])
        metrics.attach(requestMetrics)
        router.onTimedResponse = { route, status, nanoseconds in
            requestMetrics.record(route: route, status: status, nanoseconds: nanoseconds)
        }
        adminRouter.onTimedResponse = router.onTimedResponse
        handler = router.handler
        var serverConfiguration = HTTPServer.Configuration(
            host: config.server.host, port: config.server.port, maxBodyBytes: config.server.maxBodyBytes,
            threadCount: config.server.threads ?? HTTPServer.Configuration.defaultThreadCount,
            connectionMemoryBytes: config.server.connectionMemoryBytes)
        serverConfiguration.maxConnections = config.server.maxConnections ?? 0
        serverConfiguration.maxConnectionsPerClient = config.server.maxConnectionsPerClient
        serverConfiguration.requestDeadlineSeconds = config.server.requestDeadlineSeconds
        server = HTTPServer(configuration: serverConfiguration, handler: handler)
        // Probes and scrapes only: small bodies, two threads (a slow scrape does not hold up a probe).
        adminServer = adminPort.map { port in
            HTTPServer(
                configuration: .init(
                    host: config.server.host, port: port, maxBodyBytes: 4096, threadCount: 2,
                    connectionMemoryBytes: config.server.connectionMemoryBytes),
                handler: adminRouter.handler)
        }
        // Stopped in reverse: the worker first (it takes the deploys the intake created and pushes them), then the
        // monitor (its last transitions still enqueue messages), the pruner, and the outbox last, so the messages
        // the others' final work caused are still delivered while they stop.
        runner = ServiceRunner(
            services: [deliverer, pruner, imageAutomation, verification, monitor, worker], leadership: leadership,
            intake: HTTPIntake(server: server, adminServer: adminServer, readiness: readiness),
            drainSeconds: config.server.drainSeconds,
            log: options.log, replicaServices: (socketMode.map { [$0] } ?? []) + [appHome])
    }

    /// The bound port (after `start`).
    public var port: Int { server.port }

    /// The bound admin port (after `start`), or nil without `server.adminPort`.
    public var adminPort: Int? { adminServer?.port }

    /// Binds the port (and the admin port) and starts serving; `/ready` stays 503 until `run` has prepared the
    /// GitOps checkout.
    public func start() throws {
        try server.start()
        log.info(
            "listening on \(config.server.host):\(server.port)",
            metadata: ["component": "http-server", "host": config.server.host, "port": "\(server.port)"])
        guard let adminServer else { return }
        do {
            try adminServer.start()
        } catch {
            server.stop()
            throw error
        }
        log.info(
            "serving /metrics, /healthz and /ready on \(config.server.host):\(adminServer.port)",
            metadata: ["component": "http-server", "host": config.server.host, "port": "\(adminServer.port)"])
    }

    /// Prepares the GitOps checkout (a failure is logged; deploys retry) and marks the server ready.
    func prepare() async {
        do {
            try await gitops.prepare()
        } catch {
            log.error("GitOps checkout not ready (deploys will retry): \(error)", metadata: ["component": "gitops"])
        }
        readiness.set(.ready)
    }

    /// Prepares dependencies, marks the server ready and, until cancelled, runs the background services whenever
    /// this replica is the leader (see `LeaderElection`). Followers serve HTTP only; `/ready` is 200 on every replica.
    public func runServices() async {
        await prepare()
        await runner.runWhileLeading()
    }

    /// Graceful stop without the services (they stop when the task running `runServices` is cancelled): `/ready`
    /// turns 503 at once, new requests are refused, in-flight ones get up to `drainSeconds` to finish.
    /// - Returns: true when everything in flight finished in time.
    @discardableResult
    public func drain() -> Bool {
        let intake = HTTPIntake(server: server, adminServer: adminServer, readiness: readiness)
        intake.markUnready()
        intake.stopAccepting()
        return intake.finish(timeout: config.server.drainSeconds)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down in the runner's order (see `ServiceRunner`) and returns.
    /// - Throws: `ServiceRunnerError` when a background service failed (after the same shutdown).
    public func serveUntilSignalled() async throws {
        try start()
        try await runner.run(signals: [.terminate, .interrupt]) { [self] in await prepare() }
    }
}

/// The HTTP server as the service runner's intake. The admin server (if any) keeps answering during the drain, so
/// probes see `/ready` turn 503 and scrapes still work; it stops with the main server.
struct HTTPIntake: ServiceIntake {
    let server: HTTPServer
    let adminServer: HTTPServer?
    let readiness: Readiness

    func markUnready() { readiness.set(.draining) }

    func stopAccepting() { server.beginDrain() }

    func finishInFlight(timeout: Double) async -> Bool {
        // `drain` polls in a loop: off the cooperative pool.
        (try? await BlockingWork.run { finish(timeout: timeout) }) ?? false
    }

    func finish(timeout: Double) -> Bool {
        let finished = server.drain(timeout: timeout)
        server.stop()
        adminServer?.stop()
        return finished
    }
}

/// Whether the server should receive traffic: starting, then ready, then draining for good.
final class Readiness: Sendable {
    enum Phase: String, Comparable {
        case starting, ready, draining

        static func < (a: Phase, b: Phase) -> Bool { a.order < b.order }
        private var order: Int {
            switch self {
            case .starting: 0
            case .ready: 1
            case .draining: 2
            }
        }
    }

    private let current = Mutex(Phase.starting)

    var phase: String { current.withLock { $0.rawValue } }
    var isReady: Bool { current.withLock { $0 == .ready } }
    /// Moves forward only: a checkout that finishes preparing during a drain does not make the server ready again.
    func set(_ phase: Phase) { current.withLock { $0 = max($0, phase) } }
}
