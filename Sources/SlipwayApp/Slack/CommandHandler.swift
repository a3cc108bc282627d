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
    /// `--skip-canary` was given (approvers only).
    public var skipCanary = false
    /// Why (the deploy form's reason), audited with the deploy it creates.
    public var reason: String?

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
        var status = status
        status.planning = coordinator
        self.status = status
        self.parser = CommandParser(names: names)
    }

    /// Parses and executes `/command text`.
    public func handle(command: String, text: String, from invocation: CommandInvocation) -> SlackMessage {
        do {
            var invocation = invocation
            let text = try SkipCanary.strip(text, into: &invocation)
            let parsed = try parser.parse(command: command, text: text)
            try SkipCanary.check(parsed, invocation, catalog: catalog)
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
        case .lock(let service, let environment, let reason, let duration):
            return try lock(service: service, environment: environment, reason: reason, duration: duration, by: who)
        case .freeze(let scope, let duration, let reason):
            return try freeze(scope, duration: duration, reason: reason, by: who)
        case .unfreeze(let scope):
            return try unfreeze(scope, by: who)
        case .unlock(let service, let environment):
            return try unlock(service: service, environment: environment, by: who)
        case .deploy(let service, let environment, let ref, let emergency):
            let request = DeployRequest(
                kind: .deploy, origin: .slashCommand, tag: ref, requestedBy: who.userId, emergencyReason: emergency)
            return try submit(request, service: service, environment: environment, by: who)
        case .rollback(let service, let environment, let tag, let emergency):
            let request = DeployRequest(
                kind: .rollback, origin: .slashCommand, tag: tag, requestedBy: who.userId, emergencyReason: emergency)
            return try submit(request, service: service, environment: environment, by: who)
        }
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
            channelName: who.channelName, responseURL: who.responseURL, origin: origin(who),
            skipCanary: who.skipCanary, reason: who.reason)
        switch try coordinator.submit(request, details: details) {
        case .refused(let refusal):
            throw Refusal(message: refusal.slackText(service: svc.name, environment: env.name, names: names))
        case .created(let deploy):
            return accepted(deploy, verb: request.kind == .rollback ? "Rolling back" : "Deploying")
        case .recorded(let deploy, _):
            return .ephemeral("`\(deploy.service)/\(deploy.environment)`: \(deploy.noteText ?? deploy.state.label)")
        }
    }

    private func lock(
        service: String, environment: String, reason: String, duration: TimeInterval?, by who: CommandInvocation
    ) throws -> SlackMessage {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let e = SlackText.escape
        switch try coordinator.lock(
            service: svc, environment: env, reason: reason, duration: duration, by: who.userId, origin: origin(who))
        {
        case .alreadyLocked(let existing):
            return .ephemeral(
                "`\(svc.name)/\(env.name)` is already locked by \(SlackText.mention(userId: existing.lockedBy)): “\(e(existing.reason))”."
            )
        case .locked(let lock):
            let until =
                lock.expiresAt.map {
                    " until \(SlackText.date($0)) (it lifts itself then)"
                } ?? " until `\(names.deploy) unlock \(svc.name) \(env.name)`"
            return .inChannel(
                "🔒 \(SlackText.mention(userId: who.userId)) locked `\(svc.name)/\(env.name)`: “\(e(reason))”. Deploys (manual and CI) are blocked\(until)."
            )
        }
    }

    private func unlock(service: String, environment: String, by who: CommandInvocation) throws -> SlackMessage {
        let (svc, env) = try catalog.resolve(service: service, environment: environment)
        try checkDeployer(env, svc, who)
        let outcome = try coordinator.unlock(service: svc, environment: env, by: who.userId, origin: origin(who))
        guard outcome.removed != nil else {
            return .ephemeral("`\(svc.name)/\(env.name)` is not locked.")
        }
        var text =
            "🔓 \(SlackText.mention(userId: who.userId)) unlocked `\(svc.name)/\(env.name)`. Deploys are open again."
        if let released = outcome.released {
            text +=
                " Deploying the newest CI image the lock held back: `\(SlackText.escape(released.targetTag))` (`\(released.id)`)."
        }
        return .inChannel(text)
    }

    /// `/deploy freeze <env|all> <duration> <reason…>`: by users who may approve in a frozen environment.
    private func freeze(_ scope: AdHocFreeze.Scope, duration: TimeInterval, reason: String, by who: CommandInvocation)
        throws -> SlackMessage
    {
        try checkFreezer(scope, who)
        let freeze = try coordinator.freeze(
            scope, duration: duration, reason: reason, by: who.userId, origin: origin(who))
        let what = scopeText(scope)
        return .inChannel(
            "❄️ \(SlackText.mention(userId: who.userId)) froze \(what) for \(DurationText.describe(duration)), until \(SlackText.date(freeze.endsAt)): “\(SlackText.escape(reason))”. Deploys are refused and CI images held until then (or `\(names.deploy) unfreeze \(scope)`)."
        )
    }

    private func unfreeze(_ scope: AdHocFreeze.Scope, by who: CommandInvocation) throws -> SlackMessage {
        try checkFreezer(scope, who)
        let lifted = try coordinator.unfreeze(scope, by: who.userId, origin: origin(who))
        guard !lifted.isEmpty else {
            return .ephemeral(
                "No ad-hoc freeze of \(scopeText(scope)) is in force. (Weekly freeze windows are set in the configuration.)"
            )
        }
        return .inChannel(
            "☀️ \(SlackText.mention(userId: who.userId)) lifted the freeze on \(scopeText(scope)). Held CI images are deployed now."
        )
    }

    private func scopeText(_ scope: AdHocFreeze.Scope) -> String {
        switch scope {
        case .all: "every environment"
        case .environment(let name): "`\(SlackText.escape(name))` (every service)"
        }
    }

    /// Freezing needs someone who may approve in at least one environment the freeze covers.
    private func checkFreezer(_ scope: AdHocFreeze.Scope, _ who: CommandInvocation) throws {
        let covered = catalog.services.values.flatMap(\.environments.values).filter {
            if case .environment(let name) = scope { return $0.name == name }
            return true
        }
        guard !covered.isEmpty else {
            let names = Set(catalog.services.values.flatMap(\.environments.keys)).sorted()
            throw Refusal(
                message:
                    "No environment is called `\(SlackText.escape(scope.description))`. Environments: \(names.map { "`\($0)`" }.joined(separator: ", ")), or `all`."
            )
        }
        guard covered.contains(where: { $0.mayApprove(who.userId, requestedBy: "") }) else {
            throw Refusal(
                message:
                    "Only those who may approve deploys there can freeze or unfreeze \(scopeText(scope)). Ask one of its approvers."
            )
        }
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
        // The note of a new deploy is its emergency reason, escaped where it was written.
        let emergency =
            deploy.note.map { $0.hasPrefix("emergency: ") ? " 🚨 *Emergency* — \($0.dropFirst(11))" : "" } ?? ""
        let what =
            "`\(deploy.service)/\(deploy.environment)`: \(deploy.tagChangeText)\(emergency)"
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
