import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// The deploy form: `/deploy` with nothing after it opens a modal (`views.open`) with service, environment and tag
/// menus and an optional reason; submitting it goes through the same code as the typed `/deploy <service> <env>
/// [tag]`, and what that refuses comes back in the form (`response_action: errors`).
///
/// Tags are the newest images CI reported for each service, grouped by service, the promotable one (what runs
/// where another environment promotes from) first. Leaving the tag empty promotes, as the typed command does.
public struct DeployModal: Sendable {
    /// The modal's `callback_id`.
    public static let callbackId = "slipway.deploy"
    /// Block ids (each input's `action_id` is the same word).
    public enum Field {
        public static let service = "service"
        public static let environment = "environment"
        public static let tag = "tag"
        public static let reason = "reason"
    }

    let store: any Store
    let catalog: Catalog
    let slack: SlackWebClient
    let names: SlashCommandNames
    let log: Log
    /// Tags offered per service.
    var tagsPerService = 10
    /// Decides which tag each environment would promote now (the first choices of the tag menu).
    var planning: DeployCoordinator?

    public init(store: any Store, catalog: Catalog, slack: SlackWebClient, names: SlashCommandNames, log: Log) {
        self.store = store
        self.catalog = catalog
        self.slack = slack
        self.names = names
        self.log = log.with(["component": "deploy-modal"])
    }

    /// Opens the form for `who` in the background (the slash command is answered at once); when Slack refuses it,
    /// `who` is told through the command's `response_url` what to type instead.
    public func open(triggerId: String, for who: CommandInvocation) {
        let view: SlackView
        do {
            view = try self.view(for: who)
        } catch {
            log.error("cannot build the deploy form: \(error)")
            return
        }
        let slack = self.slack
        let log = self.log
        let deploy = names.deploy
        Task {
            do {
                try await slack.openView(triggerId: triggerId, view: view)
            } catch {
                let code = (error as? SlackAPIError)?.code ?? "\(error)"
                log.warning("views.open failed: \(code)", metadata: ["user": who.userId])
                guard let url = who.responseURL else { return }
                try? await slack.respond(
                    responseURL: url,
                    message: .ephemeral(
                        "⚠️ Slipway could not open the deploy form (\(code)). Type `\(deploy) <service> <env> [tag]` instead."
                    ))
            }
        }
    }

    /// The form, with what the store knows now.
    func view(for who: CommandInvocation) throws -> SlackView {
        let services = catalog.serviceNames
        let perService = max(3, min(tagsPerService, SlackView.maxOptions / max(1, services.count)))
        let now = planning?.clock() ?? Date()
        let (promotable, images) = try store.read { r in
            (
                try promotableTags(now: now, in: r),
                try services.map { try r.recentImages(service: $0, limit: perService) }
            )
        }
        var groups: [SlackView.OptionGroup] = []
        for (service, built) in zip(services, images) {
            guard catalog.services[service] != nil else { continue }
            var options: [SlackView.Option] = []
            func add(_ tag: String, _ note: String) {
                guard !options.contains(where: { $0.value == Self.tagValue(service, tag) }) else { return }
                options.append(.init(text: "\(tag) · \(note)", value: Self.tagValue(service, tag)))
            }
            // What the promotion gates allow now comes first: that is the usual next deploy.
            for (env, source, tag) in promotable[service] ?? [] { add(tag, "promotable from \(source) to \(env)") }
            for image in built { add(image.tag, "built from \(image.sha.prefix(7))") }
            if !options.isEmpty { groups.append(.init(label: service, options: Array(options.prefix(perService)))) }
        }
        var environments: [String] = []
        for service in services {
            for env in catalog.services[service]?.environmentNames ?? [] where !environments.contains(env) {
                environments.append(env)
            }
        }
        var blocks: [SlackView.Block] = [
            .select(
                blockId: Field.service, label: "Service", actionId: Field.service, placeholder: "Pick a service",
                options: services.map { .init(text: $0, value: $0) }, groups: [], initial: nil, optional: false,
                hint: nil),
            .select(
                blockId: Field.environment, label: "Environment", actionId: Field.environment,
                placeholder: "Pick an environment", options: environments.map { .init(text: $0, value: $0) },
                groups: [], initial: nil, optional: false, hint: nil),
        ]
        let tagHint = "Leave it empty to promote what runs in the environment this one promotes from."
        if groups.isEmpty {
            blocks.append(
                .layout(
                    .context([
                        "No images reported by CI yet: leave the tag empty to promote, or type `\(names.deploy) <service> <env> <tag>`."
                    ])))
        } else {
            blocks.append(
                .select(
                    blockId: Field.tag, label: "Tag", actionId: Field.tag, placeholder: "Newest builds first",
                    options: [], groups: groups, initial: nil, optional: true, hint: tagHint))
        }
        blocks.append(
            .textInput(
                blockId: Field.reason, label: "Reason", actionId: Field.reason,
                placeholder: "Why now? Shown in the audit trail", maxLength: 300, optional: true))
        var metadata = JSONWriter(capacity: 64)
        metadata.beginObject()
        metadata.field("channel", who.channelId)
        metadata.field("channelName", who.channelName)
        metadata.endObject()
        return SlackView(
            kind: .modal, callbackId: Self.callbackId, title: "Deploy", submit: "Deploy", close: "Cancel",
            privateMetadata: String(decoding: metadata.bytes, as: UTF8.self), blocks: blocks)
    }

    /// Per service, the tag each environment with `promoteFrom` would promote now (the planner's choice: it
    /// succeeded there, soaked, is known), environments in configuration order.
    func promotableTags(now: Date, in r: any StoreReader) throws -> [String: [(
        env: String, source: String, tag: String
    )]] {
        guard let planning else { return [:] }
        var result: [String: [(env: String, source: String, tag: String)]] = [:]
        for service in catalog.serviceNames {
            guard let entry = catalog.services[service] else { continue }
            for name in entry.environmentNames {
                guard let env = entry.environments[name], let source = env.promoteFrom,
                    case .create(let plan) = try planning.promotion(service: entry, environment: env, now: now, in: r)
                else { continue }
                result[service, default: []].append((name, source, plan.tag))
            }
        }
        return result
    }

    /// A tag option's value: the service and the tag (neither holds a space).
    static func tagValue(_ service: String, _ tag: String) -> String { "\(service) \(tag)" }

    /// Answers a `view_submission` of the form: closes it after starting the deploy (exactly as the typed command
    /// would), or keeps it open with the problems under the inputs they concern.
    func submit(_ payload: InteractionPayload, json: [UInt8], commands: CommandHandler) -> HTTPResponse {
        let submission: ViewSubmission
        do {
            submission = try ViewSubmission(json: json)
        } catch {
            return .jsonError(400, "malformed view_submission: \(error.reason)")
        }
        guard submission.callbackId == Self.callbackId else { return HTTPResponse(status: 200) }
        func errors(_ errors: [String: String]) -> HTTPResponse {
            .json(200, ViewSubmission.errorsResponse(errors.mapValues(Self.plain)))
        }
        guard let service = submission.value(block: Field.service, action: Field.service) else {
            return errors([Field.service: "Pick a service."])
        }
        guard let environment = submission.value(block: Field.environment, action: Field.environment) else {
            return errors([Field.environment: "Pick an environment."])
        }
        do {
            _ = try catalog.resolve(service: service)
        } catch {
            return errors([Field.service: error.message])
        }
        do {
            _ = try catalog.resolve(service: service, environment: environment)
        } catch {
            return errors([Field.environment: error.message])
        }
        var tag: String?
        if let choice = submission.value(block: Field.tag, action: Field.tag) {
            let parts = choice.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == service else {
                return errors([
                    Field.tag:
                        "That tag was built for `\(parts.first ?? "?")`. Pick one of `\(service)`'s tags, or leave it empty to promote."
                ])
            }
            tag = parts[1]
        }
        let reason = submission.value(block: Field.reason, action: Field.reason)
        let metadata =
            (try? JSONSerialization.jsonObject(with: Data(submission.privateMetadata.utf8))) as? [String: String] ?? [:]
        var who = CommandInvocation(
            userId: payload.user.id, userName: payload.user.username, channelId: metadata["channel"],
            channelName: metadata["channelName"], responseURL: nil)
        who.reason = reason
        let reply: SlackMessage
        do {
            // The typed command's own path: `/deploy <service> <env> [tag]`.
            reply = try commands.execute(.deploy(service: service, environment: environment, ref: tag), from: who)
        } catch let refusal as CommandHandler.Refusal {
            let field =
                refusal.message.contains("current tag") || refusal.message.contains("image")
                ? Field.tag : Field.environment
            return errors([field: refusal.message])
        } catch let error as CatalogError {
            return errors([Field.environment: error.message])
        } catch let error as TransitionError {
            return errors([Field.environment: error.message])
        } catch {
            return errors([
                Field.environment: "Slipway could not record that right now (\(error)). Nothing was changed; try again."
            ])
        }
        confirm(reply, reason: reason, who: who, commands: commands)
        return HTTPResponse(status: 200)
    }

    /// Tells the user, in the channel they typed `/deploy` in, what the typed command would have answered.
    private func confirm(_ reply: SlackMessage, reason: String?, who: CommandInvocation, commands: CommandHandler) {
        guard let channel = who.channelId else { return }
        var text = reply.text
        if let reason { text += "\nReason: “\(SlackText.escape(reason))”" }
        try? commands.coordinator.tell(
            who.userId, in: channel, SlackMessage(text: text, blocks: []), key: "form:\(UUID().uuidString)")
    }

    /// Modal errors are plain text: no mrkdwn quotes or entities.
    static func plain(_ text: String) -> String {
        let cleaned = text.replacingOccurrences(of: "`", with: "").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return SlackText.truncate(cleaned, to: 300, marker: "…")
    }
}
