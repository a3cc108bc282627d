import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore
import Synchronization

/// Answers the status command (`/deploy-status`, `/deploy status`) from the store: current tag per environment, deploys in flight, recent deploys, locks, and
/// delivery problems.
public struct StatusReport: Sendable {
    let store: any Store
    let catalog: Catalog
    let clock: @Sendable () -> Date
    /// The configured command names, for the footer's hints.
    let names: SlashCommandNames
    private let cache = StatusCache(ttl: 1)
    /// Plans deploys for the lines on freezes, approvals and what is promotable (set by `CommandHandler`).
    var planning: DeployCoordinator?
    /// The store's change counter, when it has one; without it nothing is cached.
    private let observed: ObservedStore?
    /// Clusters the rollout watch cannot reach (shown first when any).
    let clusterHealth: ClusterHealth?
    /// Who is on call, shown at the top of the overview.
    var onCall: OnCallDirectory? = nil

    public init(
        store: any Store, catalog: Catalog, clock: @escaping @Sendable () -> Date, names: SlashCommandNames = .defaults,
        clusterHealth: ClusterHealth? = nil
    ) {
        self.clusterHealth = clusterHealth
        self.store = store
        self.names = names
        self.observed = store as? ObservedStore
        self.catalog = catalog
        self.clock = clock
    }

    /// `/status [service] [env]`. Replies are cached until this process writes to the store, and for at most a
    /// second (other replicas' writes).
    public func render(service: String?, environment: String?) throws -> SlackMessage {
        try cached(service: service, environment: environment).message
    }

    /// `/status [service] [env]` as the HTTP reply (200, JSON), from the cache when the store has not changed.
    public func renderReply(service: String?, environment: String?) throws -> HTTPResponse {
        try cached(service: service, environment: environment).reply
    }

    private func cached(service: String?, environment: String?) throws -> StatusCache.Entry {
        try cache.entry(
            for: StatusCache.Key(service: service, environment: environment), generation: observed?.generation,
            now: Date()
        ) {
            try renderUncached(service: service, environment: environment)
        }
    }

    private func renderUncached(service: String?, environment: String?) throws -> SlackMessage {
        if let service {
            let entry = try catalog.resolve(service: service)
            if let environment { _ = try catalog.resolve(service: service, environment: environment) }
            return try renderService(entry, only: environment)
        }
        return try renderOverview()
    }

    private func renderOverview() throws -> SlackMessage {
        let e = SlackText.escape
        let (records, locks, inFlight, problems) = try store.read { r in
            (
                try r.environments(), try r.locks(), try r.deploys(in: DeployState.inFlight),
                try r.failedOutbox(limit: 20)
            )
        }
        let verified = try store.read { r in try verifiedDeploys(in: r) }
        var blocks: [SlackBlock] = [.header("Slipway status")]
        blocks.append(contentsOf: clusterBlocks())
        if let line = onCall?.latest()?.line { blocks.append(.context([line])) }
        for service in catalog.serviceNames {
            guard let entry = catalog.services[service] else { continue }
            var lines: [String] = []
            for envName in entry.environmentNames {
                let record = records.first { $0.service == service && $0.environment == envName }
                var line = "• *\(envName)*: " + tagText(record)
                line += Self.verifiedText(verified[EnvironmentKey(service: service, environment: envName)])
                if let lock = locks.first(where: { $0.service == service && $0.environment == envName }) {
                    line += " 🔒 locked by \(SlackText.mention(userId: lock.lockedBy)): “\(e(lock.reason))”"
                }
                if let env = entry.environments[envName] { line += try overviewDecisions(env) }
                for deploy in inFlight where deploy.service == service && deploy.environment == envName {
                    line +=
                        "\n    ⏳ `\(deploy.id)` \(deploy.kind.rawValue) → `\(e(deploy.targetTag))` — \(deploy.state.label)"
                }
                lines.append(line)
            }
            blocks.append(.section("*\(service)*\n" + lines.joined(separator: "\n")))
        }
        blocks.append(contentsOf: problemBlocks(problems))
        blocks.append(
            .context([
                "`\(names.status) &lt;service&gt; [env]` for history · `\(names.status) stats` for DORA figures · `\(names.deploy) help`"
            ]))
        return .ephemeral("Slipway status: \(catalog.services.count) services", blocks: blocks)
    }

    private func renderService(_ entry: ServiceEntry, only environment: String?) throws -> SlackMessage {
        let e = SlackText.escape
        let envs = environment.map { [$0] } ?? entry.environmentNames
        var blocks: [SlackBlock] = [.header("\(entry.name)" + (environment.map { " / \($0)" } ?? ""))]
        blocks.append(contentsOf: clusterBlocks())
        let snapshot = try store.read { r -> [(String, EnvironmentRecord?, EnvironmentLock?, [Deploy])] in
            try envs.map { env in
                (
                    env, try r.environment(service: entry.name, environment: env),
                    try r.lock(service: entry.name, environment: env),
                    try r.recentDeploys(service: entry.name, environment: env, limit: environment == nil ? 5 : 10)
                )
            }
        }
        let problems = try store.read { r in try r.failedOutbox(limit: 20) }
        for (env, record, lock, deploys) in snapshot {
            var text = "*\(env)*: \(tagText(record))"
            text += Self.verifiedText(deploys.first(where: \.isVerified))
            if let lock {
                text +=
                    "\n🔒 Locked by \(SlackText.mention(userId: lock.lockedBy)) \(SlackText.date(lock.lockedAt)): “\(e(lock.reason))”"
            }
            for line in try decisionLines(entry, env) { text += "\n" + line }
            if deploys.isEmpty {
                text += "\n_No deploys recorded yet._"
            }
            for deploy in deploys {
                let who = deploy.source == .ci ? "CI" : SlackText.mention(userId: deploy.requestedBy)
                var line =
                    "\n\(icon(deploy.state)) `\(deploy.id)` \(deploy.kind.rawValue) \(deploy.tagChangeText) — *\(deploy.state.label)*"
                if deploy.state == .reconciling { line += " (committed; waiting for Flux to apply it)" }
                if deploy.isVerified { line += " ✅ verified" }
                if let progress = deploy.progress, !deploy.state.isTerminal { line += " (\(e(progress)))" }
                line += " · \(who) · \(SlackText.date(deploy.createdAt))"
                if let failure = deploy.failure {
                    line += "\n      ↳ \(e(failure.title)): \(e(String(failure.summary.prefix(300))))"
                }
                if let note = deploy.noteText { line += "\n      ↳ \(note)" }
                text += line
            }
            blocks.append(.section(SlackText.truncate(text, to: BlockKitLimits.sectionText)))
        }
        blocks.append(contentsOf: problemBlocks(problems))
        return .ephemeral("Status of \(entry.name)", blocks: blocks)
    }

    /// `/status stats`: the last 90 days.
    public func renderStats() throws -> SlackMessage {
        let now = clock()
        let stats = try store.read { r in try DeliveryStats.lastNinetyDays(in: r, now: now) }
        let text = "📈 Last 90 days: " + stats.summary
        return .ephemeral(
            text,
            blocks: [
                .section(text),
                .context([
                    "All environments. Change failure rate = failed or rolled-back deploys ÷ finished deploys. Lead time = image built from the commit → live."
                ]),
            ])
    }

    /// Messages given up on in the last day, one line per deploy and target (a deploy's later stages usually fail
    /// for the same reason), most recent first.
    private func problemBlocks(_ problems: [OutboxMessage]) -> [SlackBlock] {
        let since = clock().addingTimeInterval(-Self.problemWindowSeconds)
        var seen: [String: Set<OutboxTarget>] = [:]
        let recent = problems.filter { message in
            max(message.createdAt, message.nextAttemptAt) >= since
                && seen[message.deployId ?? "-", default: []].insert(message.target).inserted
        }.prefix(5)
        guard !recent.isEmpty else { return [] }
        let lines = recent.map { message -> String in
            let error = message.lastError ?? "unknown error"
            var line =
                "• `\(message.target)` for `\(message.deployId ?? "-")`: \(SlackText.escape(error))"
            if error.contains("not_in_channel") || error.contains("channel_not_found") {
                line += " — invite the bot to the deploy channel: `/invite @Slipway`"
            }
            return line
        }
        return [
            .section(
                SlackText.truncate(
                    "⚠️ *Messages Slipway could not deliver* (last 24 h)\n" + lines.joined(separator: "\n"),
                    to: BlockKitLimits.sectionText))
        ]
    }

    /// How long a message Slipway gave up on stays listed in `/status`.
    static let problemWindowSeconds: Double = 86_400

    private func tagText(_ record: EnvironmentRecord?) -> String {
        guard let record, let current = record.currentTag ?? record.liveTag else { return "_nothing recorded yet_" }
        let e = SlackText.escape
        if let live = record.liveTag, live != current {
            return "`\(e(current))` committed, `\(e(live))` last known good"
        }
        return "`\(e(current))`"
    }

    private func icon(_ state: DeployState) -> String {
        switch state {
        case .succeeded: "✅"
        case .failed: "❌"
        case .cancelled, .superseded, .rolledBack: "⚪️"
        case .blocked: "🔒"
        case .awaitingApproval: "🔐"
        default: "⏳"
        }
    }
}

/// DORA-style delivery figures over a set of deploys.
///
/// Deploys (not rollbacks) count: succeeded ones are successful changes, failed ones and ones later rolled back are
/// failed changes. Rollbacks that succeeded are counted separately. Lead time runs from the image being built from
/// the commit (when Slipway heard of it) to the deploy going live, so a promotion typed a day after the build shows a
/// day of lead time.
public struct DeliveryStats: Sendable, Equatable {
    public var succeeded: Int
    public var failed: Int
    public var rollbacks: Int
    /// Median seconds from the image being built (or, when unknown, requested) to live.
    public var medianLeadTime: Double?

    /// - Parameters:
    ///   - deploys: The deploys of the period.
    ///   - builtAt: When the image a deploy ships was built, when known (from the CI webhook).
    public init(deploys: [Deploy], builtAt: (Deploy) -> Date? = { _ in nil }) {
        let changes = deploys.filter { $0.kind == .deploy }
        succeeded = changes.filter { $0.state == .succeeded }.count
        failed = changes.filter { $0.state == .failed || $0.state == .rolledBack }.count
        rollbacks = deploys.filter { $0.kind == .rollback && $0.state == .succeeded }.count
        let leads = changes.compactMap { d -> Double? in
            guard d.state == .succeeded, let live = d.finishedAt else { return nil }
            let start = min(builtAt(d) ?? d.createdAt, d.createdAt)
            return max(0, live.timeIntervalSince(start))
        }.sorted()
        medianLeadTime =
            leads.isEmpty
            ? nil
            : (leads.count % 2 == 1
                ? leads[leads.count / 2] : (leads[leads.count / 2 - 1] + leads[leads.count / 2]) / 2)
    }

    /// Failed ÷ (succeeded + failed) deploys, 0 when nothing finished.
    public var changeFailureRate: Double {
        let finished = succeeded + failed
        return finished == 0 ? 0 : Double(failed) / Double(finished)
    }

    /// "1,247 successful deploys, 23 rollbacks, 24 failed (1.9% change failure rate), 9.1-minute median lead time".
    public var summary: String {
        let rate = (changeFailureRate * 1000).rounded() / 10
        let lead = medianLeadTime.map { "\(Self.oneDecimal($0 / 60))-minute median lead time" } ?? "no lead time yet"
        return
            "\(Self.count(succeeded, "successful deploy")), \(Self.count(rollbacks, "rollback")), \(Self.grouped(failed)) failed (\(rate)% change failure rate), \(lead)"
    }

    /// The figures of the deploys created in the 90 days before `now`, with build times from the store.
    /// - Parameter buildTimes: Remembers build times between calls (they never change), so a scrape every few
    ///   seconds does not look up every image again.
    static func lastNinetyDays(in r: any StoreReader, now: Date, buildTimes: BuildTimes = BuildTimes()) throws
        -> DeliveryStats
    {
        let deploys = try r.deploys(createdSince: now.addingTimeInterval(-90 * 86_400))
        var built: [String: Date] = [:]
        for d in deploys where d.kind == .deploy && d.state == .succeeded {
            guard let sha = d.sourceCommit else { continue }
            built[d.id] = try buildTimes.builtAt(service: d.service, sha: sha, in: r)
        }
        return DeliveryStats(deploys: deploys) { d in built[d.id] }
    }

    /// When the image of a service's commit was first built, looked up once per commit.
    final class BuildTimes: Sendable {
        private let known = Mutex<[String: Date?]>([:])

        func builtAt(service: String, sha: String, in r: any StoreReader) throws -> Date? {
            let key = "\(service):\(sha.lowercased())"
            if let hit = known.withLock({ $0[key] }) { return hit }
            var found: Date?
            if CommandParser.isCommitSHA(sha) {
                found = try r.images(service: service, matching: sha)
                    .filter { $0.sha.lowercased() == sha.lowercased() }.map(\.builtAt).min()
            }
            known.withLock { known in
                if known.count >= 10_000 { known.removeAll(keepingCapacity: true) }
                known[key] = .some(found)
            }
            return found
        }
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(grouped(n)) \(noun)\(n == 1 ? "" : "s")" }

    /// One decimal without `String(format:)`: 9.1, 0.0, 12.5.
    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
