import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// Who typed a slash command, and where.
public struct CommandInvocation: Sendable {
    public var userId: String
    public var userName: String?
    public var channelId: String?
    public var channelName: String?
    public var responseURL: String?

    public init(
        userId: String, userName: String? = nil, channelId: String? = nil, channelName: String? = nil,
        responseURL: String? = nil
    ) {
        self.userId = userId
        self.userName = userName
        self.channelId = channelId
        self.channelName = channelName
        self.responseURL = responseURL
    }
}

/// Carries out slash commands against the store and answers with the Slack reply. Runs on the request path: one
/// short transaction, no network.
public struct CommandHandler: Sendable {
    let coordinator: DeployCoordinator
    let catalog: Catalog
    let status: StatusReport
    /// Knows the configured command names (`slack.commands`), built once: it runs on the ack path.
    let parser: CommandParser
    /// The configured command names, for replies.
    var names: SlashCommandNames { parser.names }
    /// The deploy form that `/deploy` without arguments opens; nil answers with the usage.
    public var deployModal: DeployModal? = nil

    /// Opens the deploy form for `/deploy` with nothing after it, when Slack sent a trigger id.
    /// - Returns: true when the form is being opened (answer the command with an empty 200).
    public func openDeployForm(command: String, text: String, triggerId: String?, from who: CommandInvocation) -> Bool {
        guard let deployModal, let triggerId, !triggerId.isEmpty, text.allSatisfy(\.isWhitespace),
            names.command(named: command.lowercased()) == .deploy
        else { return false }
        deployModal.open(triggerId: triggerId, for: who)
        return true
    }

    public init(coordinator: DeployCoordinator, status: StatusReport, names: SlashCommandNames = .defaults) {
        self.coordinator = coordinator
        self.catalog = coordinator.catalog
        self.status = status
        self.parser = CommandParser(names: names)
    }

    /// Parses and executes `/command text`.
    public func handle(command: String, text: String, from invocation: CommandInvocation) -> SlackMessage {
        do {
            let parsed = try parser.parse(command: command, text: text)
            return try execute(parsed, from: invocation)
        } catch let error as CommandError {
            return .ephemeral("⚠️ " + SlackText.escape(error.message))
        } catch let error as CatalogError {
            return .ephemeral("⚠️ " + SlackText.escape(error.message))
        } catch let error as TransitionError {
            return .ephemeral("⚠️ " + error.message)
        } catch let refusal as Refusal {
            return .ephemeral("⛔️ " + refusal.message)
        } catch {
            return .ephemeral(
                "⚠️ Slipway could not record that right now (\(error)). Nothing was changed; try again in a moment.")
        }
    }

    /// The HTTP reply to a well-formed status command (`/deploy-status`, `/deploy status`), from the cache when the
    /// store has not changed; nil for any other command, or one that needs an error reply (`handle` answers those).
    public func statusReply(command: String, text: String) -> HTTPResponse? {
        guard case .status(let service, let environment)? = try? parser.parse(command: command, text: text)
        else { return nil }
        return try? status.renderReply(service: service, environment: environment)
    }

    /// A user-facing refusal (permissions, locks, nothing to do).
    struct Refusal: Error {
        var message: String
    }

    func execute(_ command: SlashCommand, from who: CommandInvocation) throws -> SlackMessage {
        switch command {
        case .help(let name):
            return .ephemeral(SlackText.escape(HelpText.text(for: name, names: names)))
        case .status(let service, let environment):
            return try status.render(service: service, environment: environment)
        case .stats:
            return try status.renderStats()
        case .lock(let service, let environment, let reason):
            return try lock(service: service, environment: environment, reason: reason, by: who)
        case .unlock(let service, let environment):
            return try unlock(service: service, environment: environment, by: who)
        case .deploy(let service, let environment, let ref):
            return try deploy(service: service, environment: environment, ref: ref, by: who)
        case .rollback(let service, let environment, let tag):
            return try rollback(service: service, environment: environment, tag: tag, by: who)
        }
    }

    private func deploy(service: String, environment: String, ref: String?, by who: CommandInvocation) throws
        -> SlackMessage
    {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let e = SlackText.escape
        let now = coordinator.clock()
        let created = try coordinator.store.write { w -> Deploy in
            if let lock = try w.lock(service: svc.name, environment: env.name) {
                throw Refusal(
                    message:
                        "`\(svc.name)/\(env.name)` is locked by \(SlackText.mention(userId: lock.lockedBy)): “\(e(lock.reason))”. Run `\(names.deploy) unlock \(svc.name) \(env.name)` first if the reason no longer holds."
                )
            }
            let record = try w.environment(service: svc.name, environment: env.name)
            var image: BuiltImage?
            let tag: String
            if let ref {
                image = try w.images(service: svc.name, matching: ref).first
                if let image {
                    tag = image.tag
                } else if CommandParser.isCommitSHA(ref), ref.utf8.count >= 7, !ref.contains("-") {
                    throw Refusal(
                        message:
                            "No image built from commit `\(e(ref))` is known for `\(svc.name)`. CI reports images to Slipway when they are built; give the image tag instead, e.g. `\(names.deploy) \(svc.name) \(env.name) main-\(e(String(ref.prefix(7))))`."
                    )
                } else {
                    tag = ref
                }
            } else {
                guard let source = env.promoteFrom else {
                    throw Refusal(
                        message:
                            "`\(svc.name)/\(env.name)` does not promote from another environment, so say which image: `\(names.deploy) \(svc.name) \(env.name) &lt;tag|sha&gt;`."
                    )
                }
                let sourceRecord = try w.environment(service: svc.name, environment: source)
                guard let sourceTag = sourceRecord?.liveTag ?? sourceRecord?.currentTag else {
                    throw Refusal(
                        message:
                            "Slipway has no record of what runs in `\(svc.name)/\(source)` yet, so there is nothing to promote. Deploy there first, or give a tag: `\(names.deploy) \(svc.name) \(env.name) &lt;tag&gt;`."
                    )
                }
                tag = sourceTag
                image = try w.images(service: svc.name, matching: sourceTag).first
            }
            if let current = record?.currentTag, current == tag,
                try w.deploys(in: DeployState.inFlight).contains(where: {
                    $0.service == svc.name && $0.environment == env.name
                }) == false
            {
                throw Refusal(
                    message: "`\(e(tag))` is already the current tag of `\(svc.name)/\(env.name)`; nothing to deploy.")
            }
            var deploy = Deploy(
                id: Identifiers.deployId(), service: svc.name, environment: env.name, kind: .deploy, source: .slack,
                targetTag: tag, previousTag: record?.currentTag, sourceCommit: image?.sha, author: image?.author,
                commitMessage: image?.message, requestedBy: who.userId, requestedByName: who.userName,
                channelId: who.channelId, channelName: who.channelName, responseURL: who.responseURL, createdAt: now)
            deploy.state = .requested
            return try coordinator.create(
                deploy, requiresApproval: env.requireApproval, origin: origin(who), in: w)
        }
        coordinator.signal()
        return accepted(created, verb: "Deploying")
    }

    private func rollback(service: String, environment: String, tag: String?, by who: CommandInvocation) throws
        -> SlackMessage
    {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let created = try coordinator.store.write { w -> Deploy in
            try createRollback(svc: svc, env: env, tag: tag, by: who, in: w)
        }
        coordinator.signal()
        return accepted(created, verb: "Rolling back")
    }

    /// Creates a rollback deploy (always needing approval) inside `w`; shared by `/rollback` and the button.
    func createRollback(
        svc: ServiceEntry, env: EnvironmentEntry, tag: String?, by who: CommandInvocation, in w: any StoreWriter
    ) throws -> Deploy {
        let e = SlackText.escape
        let record = try w.environment(service: svc.name, environment: env.name)
        let target: String
        if let tag {
            target = try w.images(service: svc.name, matching: tag).first?.tag ?? tag
        } else {
            let history = try w.deploys(service: svc.name, environment: env.name, state: .succeeded, limit: 50)
            guard
                let good = LastKnownGood.tag(current: record?.currentTag, history: history)
            else {
                throw Refusal(
                    message:
                        "Slipway knows no earlier successful deploy of `\(svc.name)/\(env.name)` to go back to. Name the tag: `\(names.rollback) \(svc.name) \(env.name) &lt;tag&gt;`."
                )
            }
            target = good
        }
        if let current = record?.currentTag, current == target {
            throw Refusal(
                message: "`\(e(target))` is already the current tag of `\(svc.name)/\(env.name)`; nothing to roll back."
            )
        }
        let now = coordinator.clock()
        let image = try w.images(service: svc.name, matching: target).first
        let deploy = Deploy(
            id: Identifiers.deployId(), service: svc.name, environment: env.name, kind: .rollback, source: .slack,
            targetTag: target, previousTag: record?.currentTag, sourceCommit: image?.sha, author: image?.author,
            commitMessage: image?.message, requestedBy: who.userId, requestedByName: who.userName,
            channelId: who.channelId, channelName: who.channelName, responseURL: who.responseURL, createdAt: now)
        return try coordinator.create(deploy, requiresApproval: true, origin: origin(who), in: w)
    }

    private func lock(service: String, environment: String, reason: String, by who: CommandInvocation) throws
        -> SlackMessage
    {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let now = coordinator.clock()
        let e = SlackText.escape
        let existing = try coordinator.store.write { w -> EnvironmentLock? in
            let lock = EnvironmentLock(
                service: svc.name, environment: env.name, reason: reason, lockedBy: who.userId, lockedAt: now)
            if let existing = try w.insertLock(lock) { return existing }
            try w.append(
                AuditEvent(
                    deployId: nil, service: svc.name, environment: env.name, actor: who.userId, action: "locked",
                    detail: reason, origin: origin(who), at: now))
            return nil
        }
        if let existing {
            return .ephemeral(
                "`\(svc.name)/\(env.name)` is already locked by \(SlackText.mention(userId: existing.lockedBy)): “\(e(existing.reason))”."
            )
        }
        return .inChannel(
            "🔒 \(SlackText.mention(userId: who.userId)) locked `\(svc.name)/\(env.name)`: “\(e(reason))”. Deploys (manual and CI) are blocked until `\(names.deploy) unlock \(svc.name) \(env.name)`."
        )
    }

    private func unlock(service: String, environment: String, by who: CommandInvocation) throws -> SlackMessage {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let now = coordinator.clock()
        let removed = try coordinator.store.write { w -> EnvironmentLock? in
            guard let removed = try w.deleteLock(service: svc.name, environment: env.name) else { return nil }
            try w.append(
                AuditEvent(
                    deployId: nil, service: svc.name, environment: env.name, actor: who.userId, action: "unlocked",
                    detail: "was: \(removed.reason)", origin: origin(who), at: now))
            return removed
        }
        guard removed != nil else {
            return .ephemeral("`\(svc.name)/\(env.name)` is not locked.")
        }
        return .inChannel(
            "🔓 \(SlackText.mention(userId: who.userId)) unlocked `\(svc.name)/\(env.name)`. Deploys are open again.")
    }

    private func checkDeployer(_ env: EnvironmentEntry, _ svc: ServiceEntry, _ who: CommandInvocation) throws {
        guard env.mayDeploy(who.userId) else {
            throw Refusal(
                message:
                    "You are not allowed to deploy `\(svc.name)/\(env.name)`. Ask one of its deployers (\(env.deployers.map { SlackText.mention(userId: $0) }.joined(separator: ", "))) or the platform team to add you."
            )
        }
    }

    private func accepted(_ deploy: Deploy, verb: String) -> SlackMessage {
        let what =
            "`\(deploy.service)/\(deploy.environment)`: \(deploy.tagChangeText)"
        switch deploy.state {
        case .awaitingApproval:
            return .inChannel(
                "📝 \(SlackText.mention(userId: deploy.requestedBy)) requested \(deploy.kind == .rollback ? "a rollback of" : "a deploy of") \(what) (`\(deploy.id)`). Waiting for an approver; the request expires if nobody decides."
            )
        default:
            return .inChannel(
                "🚀 \(verb) \(what) (`\(deploy.id)`), requested by \(SlackText.mention(userId: deploy.requestedBy)). Follow it in <#\(coordinatorChannel)> or with `\(names.status) \(deploy.service) \(deploy.environment)`."
            )
        }
    }

    private var coordinatorChannel: String { coordinator.outbox.deployChannel }

    private func origin(_ who: CommandInvocation) -> String { "slack:" + (who.channelId ?? "?") }
}

/// The tag to roll back to when none is named.
public enum LastKnownGood {
    /// The tag of the most recent successful deploy whose tag differs from the current one.
    /// - Parameters:
    ///   - current: The tag committed now.
    ///   - history: Successful deploys of the environment, any order.
    public static func tag(current: String?, history: [Deploy]) -> String? {
        history
            .filter { $0.state == .succeeded }
            .sorted { ($0.finishedAt ?? $0.createdAt) > ($1.finishedAt ?? $1.createdAt) }
            .first { $0.targetTag != current }?
            .targetTag
    }
}
