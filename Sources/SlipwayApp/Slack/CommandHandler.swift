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
        let request = DeployRequest(kind: .deploy, origin: .slashCommand, tag: ref, requestedBy: who.userId)
        return try submit(request, service: service, environment: environment, by: who)
    }

    private func rollback(service: String, environment: String, tag: String?, by who: CommandInvocation) throws
        -> SlackMessage
    {
        let request = DeployRequest(kind: .rollback, origin: .slashCommand, tag: tag, requestedBy: who.userId)
        return try submit(request, service: service, environment: environment, by: who)
    }

    /// The path every typed `/deploy` and `/rollback` takes (and the deploy modal): the coordinator asks the planner
    /// and carries out its decision; the result becomes the Slack reply.
    /// - Parameters:
    ///   - request: What is asked (kind, tag, requester, emergency reason).
    ///   - service: The service as typed; unknown names get a suggestion.
    ///   - environment: The environment as typed.
    ///   - who: Who asked, and where.
    /// - Returns: the reply: accepted (in channel) or why not (ephemeral).
    public func submit(_ request: DeployRequest, service: String, environment: String, by who: CommandInvocation)
        throws -> SlackMessage
    {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        let details = DeployRequestDetails(
            service: svc.name, environment: env.name, requestedByName: who.userName, channelId: who.channelId,
            channelName: who.channelName, responseURL: who.responseURL, origin: origin(who))
        switch try coordinator.submit(request, details: details) {
        case .refused(let refusal):
            throw Refusal(message: refusal.slackText(service: svc.name, environment: env.name, names: names))
        case .created(let deploy):
            return accepted(deploy, verb: request.kind == .rollback ? "Rolling back" : "Deploying")
        case .recorded(let deploy, _):
            return .ephemeral("`\(deploy.service)/\(deploy.environment)`: \(deploy.note ?? deploy.state.label)")
        }
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
