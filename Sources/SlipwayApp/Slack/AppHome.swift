import DeployCore
import Foundation
import SlipwaySlack
import SlipwayStore
import Synchronization

/// Slipway's App Home tab: on `app_home_opened` it publishes (`views.publish`) a dashboard for that user: every
/// service × environment with its tag and state (✅ live, ⏳ deploying, ❌ last deploy failed, 🔒 locked, ❄️ frozen), the
/// deploys in flight, and the approvals that user may decide (directly, or through an approver user group), with the same Approve/Deny buttons (action ids, opaque
/// tokens, `InteractionHandler`) as the channel's requests.
///
/// Tabs opened in the last `timing.openSeconds` are kept current: every `timing.tickSeconds` the dashboard is rendered again and
/// published to each such user whose tab would change, at most once per `timing.userIntervalSeconds` per user (views.publish
/// is a Tier 4 method, 100+ calls a minute per workspace; a burst of deploy steps is coalesced into one publish).
/// A 429 holds every publish for its `Retry-After`. It runs on every replica: the replica that received the event
/// keeps that tab current.
public final class AppHome: Service {
    public var name: String { "app-home" }

    let store: any Store
    let catalog: Catalog
    let slack: SlackWebClient
    let names: SlashCommandNames
    let onCall: OnCallDirectory?
    /// Resolves approver user groups (`S…`) to their members; nil when none is configured.
    let usergroups: UsergroupDirectory?
    /// The user groups any environment lists among its approvers (from the configuration, so read once).
    let approverGroupIds: [String]
    let clock: @Sendable () -> Date
    let log: Log
    let wake = Wakeup()
    /// How often tabs are refreshed, and the limits on it.
    public struct Timing: Sendable {
        /// How long after an `app_home_opened` the tab is kept current (Slack sends no event when it closes).
        public var openSeconds: Double = 1800
        public var tickSeconds: Double = 1
        /// Least time between two publishes of one user's tab.
        public var userIntervalSeconds: Double = 2
        /// Most publishes per tick, so many open tabs stay inside the method's rate limit.
        public var maxPublishesPerTick = 20
        public init() {}
    }
    let timing: Timing

    private struct Viewer {
        var openedAt: Date
        var published: [UInt8]?
        var publishedAt: Date = .distantPast
        /// Asked for by an event not answered yet: published at once, whatever it showed before.
        var pending = true
    }
    private struct State {
        var viewers: [String: Viewer] = [:]
        var holdUntil: Date = .distantPast
    }
    private let state = Mutex(State())

    public init(
        store: any Store, catalog: Catalog, slack: SlackWebClient, names: SlashCommandNames, onCall: OnCallDirectory?,
        clock: @escaping @Sendable () -> Date, log: Log, timing: Timing = Timing(),
        usergroups: UsergroupDirectory? = nil
    ) {
        self.usergroups = usergroups
        approverGroupIds = Set(
            catalog.services.values.flatMap { $0.environments.values.flatMap(\.approvers) }
                .filter(UsergroupDirectory.isUsergroup)
        ).sorted()
        self.timing = timing
        self.store = store
        self.catalog = catalog
        self.slack = slack
        self.names = names
        self.onCall = onCall
        self.clock = clock
        self.log = log.with(["component": "app-home"])
    }

    /// Handles `app_home_opened` events from `router` (quickly: it records the user and wakes the service).
    public func register(on router: SlackEventRouter) {
        router.register("app_home_opened") { [self] event in
            guard let user = event.userId, event.tab == nil || event.tab == "home" else { return }
            opened(by: user)
        }
    }

    /// `user` opened the Home tab: publish it soon and keep it current for a while.
    public func opened(by user: String) {
        let now = clock()
        state.withLock { state in
            if state.viewers.count >= 1000, state.viewers[user] == nil {
                // Forget the tab opened longest ago.
                if let oldest = state.viewers.min(by: { $0.value.openedAt < $1.value.openedAt })?.key {
                    state.viewers.removeValue(forKey: oldest)
                }
            }
            var viewer = state.viewers[user] ?? Viewer(openedAt: now)
            viewer.openedAt = now
            viewer.pending = true
            state.viewers[user] = viewer
        }
        wake.signal()
    }

    public func run() async throws {
        while !Task.isCancelled {
            await refresh()
            await wake.wait(timeout: timing.tickSeconds)
        }
    }

    /// Publishes every open tab whose content changed (and every tab just opened), within the limits.
    func refresh() async {
        let now = clock()
        let due: [String] = state.withLock { state in
            state.viewers = state.viewers.filter { now.timeIntervalSince($0.value.openedAt) < timing.openSeconds }
            guard now >= state.holdUntil else { return [] }
            return state.viewers.filter {
                $0.value.pending || now.timeIntervalSince($0.value.publishedAt) >= timing.userIntervalSeconds
            }
            .sorted {
                ($0.value.pending ? 0 : 1, $0.value.publishedAt) < ($1.value.pending ? 0 : 1, $1.value.publishedAt)
            }
            .map(\.key)
        }
        guard !due.isEmpty else { return }
        let snapshot: Snapshot
        do {
            let store = self.store
            snapshot = try await store.executor.run {
                try store.read { r in try Snapshot(reading: r, catalog: self.catalog, now: now) }
            }
        } catch {
            log.warning("cannot read the store for App Home: \(error)")
            return
        }
        let onCallLine = onCall?.latest()?.line
        var published = 0
        for user in due where published < timing.maxPublishesPerTick && !Task.isCancelled {
            let groups = await approverGroups(of: user)
            let view = self.view(for: user, snapshot: snapshot, onCallLine: onCallLine, groups: groups)
            let bytes = view.jsonBytes()
            let unchanged = state.withLock { state in
                guard let viewer = state.viewers[user] else { return true }
                return !viewer.pending && viewer.published == bytes
            }
            if unchanged { continue }
            published += 1
            do {
                try await slack.publishView(userId: user, view: view)
                state.withLock { state in
                    state.viewers[user]?.published = bytes
                    state.viewers[user]?.publishedAt = clock()
                    state.viewers[user]?.pending = false
                }
            } catch {
                if let seconds = error.retryAfterSeconds {
                    state.withLock { $0.holdUntil = clock().addingTimeInterval(Double(max(1, seconds))) }
                    return
                }
                log.warning("views.publish failed: \(error.description)", metadata: ["user": user])
                state.withLock { state in
                    state.viewers[user]?.publishedAt = clock()
                    if !error.isRetryable { state.viewers[user]?.pending = false }
                }
            }
        }
    }

    /// The approver user groups (of any environment) `user` belongs to; a group Slack cannot resolve counts as not.
    func approverGroups(of user: String) async -> Set<String> {
        guard let usergroups else { return [] }
        var member: Set<String> = []
        for group in approverGroupIds where (try? await usergroups.members(of: group))?.contains(user) == true {
            member.insert(group)
        }
        return member
    }

    /// What the dashboard shows, read once per refresh for every open tab.
    struct Snapshot {
        var records: [EnvironmentRecord]
        var locks: [EnvironmentLock]
        var inFlight: [Deploy]
        var latest: [EnvironmentKey: Deploy]
        /// Freezes in force, by environment (weekly windows and ad-hoc ones).
        var freezes: [EnvironmentKey: ActiveFreeze] = [:]
        /// Who approved each request waiting for more approvals.
        var approvedBy: [String: [String]] = [:]
        var now: Date

        init(reading r: any StoreReader, catalog: Catalog, now: Date) throws {
            self.now = now
            records = try r.environments()
            locks = try r.locks()
            inFlight = try r.deploys(in: DeployState.inFlight)
            for deploy in inFlight where deploy.state == .awaitingApproval {
                let approvers = try r.auditEvents(deployId: deploy.id).filter { $0.action == "approved-by" }
                if !approvers.isEmpty { approvedBy[deploy.id] = approvers.map(\.actor) }
            }
            let adHoc = try r.adHocFreezes(activeAt: now)
            for service in catalog.services.values {
                for env in service.environments.values {
                    let calendar = FreezeCalendar(environment: env.name, windows: env.freezeWindows, adHoc: adHoc)
                    if let freeze = calendar.activeFreeze(at: now) {
                        freezes[EnvironmentKey(service: service.name, environment: env.name)] = freeze
                    }
                }
            }
            latest = [:]
            for service in catalog.serviceNames {
                for env in catalog.services[service]?.environmentNames ?? [] {
                    if let last = try r.recentDeploys(service: service, environment: env, limit: 1).first {
                        latest[EnvironmentKey(service: service, environment: env)] = last
                    }
                }
            }
        }
    }

    /// The Home tab of `user`.
    func view(for user: String, snapshot: Snapshot, onCallLine: String?, groups: Set<String> = []) -> SlackView {
        let e = SlackText.escape
        var blocks: [SlackBlock] = [.header("Slipway")]
        if let onCallLine { blocks.append(.context([onCallLine])) }
        blocks.append(.context(["✅ live · ⏳ deploying · ❌ last deploy failed · 🔒 locked · ❄️ frozen"]))
        for service in catalog.serviceNames {
            guard let entry = catalog.services[service] else { continue }
            var lines: [String] = []
            for env in entry.environmentNames {
                let key = EnvironmentKey(service: service, environment: env)
                let record = snapshot.records.first { $0.service == service && $0.environment == env }
                let lock = snapshot.locks.first { $0.service == service && $0.environment == env }
                let flying = snapshot.inFlight.first { $0.service == service && $0.environment == env }
                let tag = (record?.liveTag ?? record?.currentTag).map { "`\(e($0))`" } ?? "_nothing recorded yet_"
                var line: String
                if let lock {
                    line =
                        "🔒 *\(env)*: \(tag) — locked by \(SlackText.mention(userId: lock.lockedBy)): “\(e(lock.reason))”"
                } else if let freeze = snapshot.freezes[key], flying == nil {
                    line =
                        "❄️ *\(env)*: \(tag) — frozen until \(SlackText.date(freeze.endsAt)): “\(e(freeze.reason))”"
                } else if let flying {
                    line = "⏳ *\(env)*: \(tag) → `\(e(flying.targetTag))` — \(flying.state.label)"
                    if let progress = flying.progress { line += " (\(e(progress)))" }
                } else if snapshot.latest[key]?.state == .failed {
                    line = "❌ *\(env)*: \(tag) — last deploy of `\(e(snapshot.latest[key]!.targetTag))` failed"
                } else {
                    line = (record == nil ? "▫️" : "✅") + " *\(env)*: \(tag)"
                }
                lines.append(line)
            }
            blocks.append(
                .section(
                    SlackText.truncate(
                        "*\(e(service))*\n" + lines.joined(separator: "\n"), to: BlockKitLimits.sectionText)))
        }
        let moving = snapshot.inFlight.filter { $0.state != .awaitingApproval }
        blocks.append(.divider)
        if moving.isEmpty {
            blocks.append(.section("*Deploys in flight*\n_None right now._"))
        } else {
            let lines = moving.map { d in
                "⏳ `\(d.id)` \(d.kind.rawValue) *\(e(d.service))/\(e(d.environment))* → `\(e(d.targetTag))` — \(d.state.label)"
                    + (d.progress.map { " (\(e($0)))" } ?? "")
            }
            blocks.append(
                .section(
                    SlackText.truncate(
                        "*Deploys in flight*\n" + lines.joined(separator: "\n"), to: BlockKitLimits.sectionText)))
        }
        let approvals = snapshot.inFlight.filter { deploy in
            guard deploy.state == .awaitingApproval, deploy.approval?.token != nil,
                let env = catalog[deploy.target]
            else { return false }
            guard user != deploy.requestedBy, !(snapshot.approvedBy[deploy.id] ?? []).contains(user) else {
                return false
            }
            return env.mayApprove(user, requestedBy: deploy.requestedBy)
                || env.approvers.contains(where: groups.contains)
        }
        blocks.append(.divider)
        if approvals.isEmpty {
            blocks.append(.section("*Waiting for your approval*\n_Nothing._"))
        } else {
            blocks.append(.section("*Waiting for your approval*"))
            for deploy in approvals.prefix(20) {
                let verb = deploy.kind == .rollback ? "Rollback" : "Deploy"
                blocks.append(
                    .section(
                        "🔐 \(verb) *\(e(deploy.service))* to *\(e(deploy.environment))*: \(deploy.tagChangeText), requested by \(SlackText.mention(userId: deploy.requestedBy)) (`\(deploy.id)`)"
                    ))
                let token = deploy.approval!.token
                blocks.append(
                    .actions(
                        [
                            SlackButton(
                                text: "Approve", actionId: ActionID.approve, value: token, style: .primary,
                                confirm: SlackConfirmDialog(
                                    title: "Approve \(verb.lowercased())?",
                                    text:
                                        "\(verb) \(deploy.service) to \(deploy.environment) with \(deploy.targetTag)?",
                                    confirm: "Approve", deny: "Cancel")),
                            SlackButton(text: "Deny", actionId: ActionID.deny, value: token, style: .danger),
                        ], blockId: "approval-\(deploy.id)"))
            }
        }
        blocks.append(
            .context([
                "`\(names.deploy)` opens the deploy form · `\(names.status)` for history · `\(names.deploy) help`"
            ]))
        return SlackView(kind: .home, blocks: blocks.map { .layout($0) })
    }
}
