import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import Synchronization

/// What Slack asks of Slipway, whichever way it arrives: the HTTP routes (`/slack/commands`, `/slack/interactions`,
/// `/slack/events`, after the signature check) and Socket Mode envelopes both call this one type, so a command, a
/// click or an event does the same thing on either path.
///
/// Each method answers with the reply the HTTP route sends; Socket Mode acknowledges with the body of a 200 reply as
/// the envelope's `payload` (commands and interactions) and drops other statuses (Slack shows nothing for them).
public struct SlackIngress: Sendable {
    let commands: CommandHandler
    let interactions: InteractionHandler
    /// Checks the workspace (`slack.teamId`) of what arrives.
    let verifier: SlackRequestVerifier
    /// Where `event_callback` events go; nothing is registered by default (events are acknowledged and ignored).
    public let events: SlackEventRouter
    /// Event ids already dispatched: Slack resends an event it did not see acknowledged in time.
    let seenEvents: SlackEventLedger

    /// - Parameters:
    ///   - commands: carries out slash commands.
    ///   - interactions: carries out button clicks.
    ///   - verifier: its `checkTeam` refuses other workspaces.
    ///   - events: handlers for Events API events.
    public init(
        commands: CommandHandler, interactions: InteractionHandler, verifier: SlackRequestVerifier,
        events: SlackEventRouter = SlackEventRouter()
    ) {
        self.commands = commands
        self.interactions = interactions
        self.verifier = verifier
        self.events = events
        self.seenEvents = SlackEventLedger()
    }

    // MARK: Slash commands

    /// Carries out a slash command from its form fields (the HTTP body, or Socket Mode's payload encoded as one).
    /// - Returns: 200 with the Slack reply; 200 empty for `ssl_check`; 400 for a malformed form; 403 for another
    ///   workspace.
    /// - Parameter once: Runs the handling of a command that may change something (not the status fast path): the
    ///   HTTP route records the request's signature with its first write there (`SlackRequestLedger`).
    public func command(
        _ form: SlashCommandForm, once: (() -> HTTPResponse) -> HTTPResponse = { $0() }
    ) -> HTTPResponse {
        if form.isSSLCheck { return HTTPResponse(status: 200) }
        do {
            try form.validate()
        } catch {
            return SlackEndpoints.malformedCommand(error)
        }
        do {
            try verifier.checkTeam(form.teamId)
        } catch {
            return SlackEndpoints.rejected(error)
        }
        // The most frequent command, answered from the form's three fields without decoding the rest.
        if let reply = commands.statusReply(command: form.command, text: form.text) { return reply }
        let payload: SlashCommandPayload
        do {
            payload = try form.payload()
        } catch {
            return SlackEndpoints.malformedCommand(error)
        }
        let who = CommandInvocation(
            userId: payload.userId, userName: payload.userName, channelId: payload.channelId,
            channelName: payload.channelName, responseURL: SlackEndpoints.usableResponseURL(payload.responseURL))
        // `/deploy` alone opens the deploy form; answered with an empty 200 (nothing shown in the channel).
        if commands.openDeployForm(
            command: payload.command, text: payload.text, triggerId: payload.triggerId, from: who)
        {
            return HTTPResponse(status: 200)
        }
        return once {
            .json(200, commands.handle(command: payload.command, text: payload.text, from: who).jsonBytes())
        }
    }

    // MARK: Interactions

    /// Carries out an interaction (a button click).
    /// - Returns: 200 with the reply; 403 for another workspace.
    /// - Parameter json: The payload's JSON; needed for a `view_submission` (the submitted form's state).
    /// - Parameter once: As for ``command(_:once:)``.
    public func interaction(
        _ payload: InteractionPayload, json: [UInt8]? = nil, once: (() -> HTTPResponse) -> HTTPResponse = { $0() }
    ) -> HTTPResponse {
        do {
            try verifier.checkTeam(payload.team.id)
        } catch {
            return SlackEndpoints.rejected(error)
        }
        if payload.type == "view_submission" {
            guard let json else { return .jsonError(400, "malformed interaction: view_submission without its JSON") }
            return once { interactions.handleViewSubmission(payload, json: json) }
        }
        return once { .json(200, interactions.handle(payload).jsonBytes()) }
    }

    /// Carries out an interaction from its JSON (Socket Mode's `payload`).
    /// - Returns: as ``interaction(_:)-(InteractionPayload)``; 400 when the JSON is not an interaction.
    public func interaction(json: [UInt8]) -> HTTPResponse {
        do {
            return interaction(try InteractionPayload(json: json), json: json)
        } catch {
            return .jsonError(400, "malformed interaction: \(error.reason)")
        }
    }

    // MARK: Events API

    /// Handles an Events API body: `url_verification` answers the challenge; `event_callback` goes to the handlers
    /// registered for the event's type (once per `event_id`, however often Slack resends it).
    /// - Parameter json: the request body, or Socket Mode's `events_api` payload.
    /// - Returns: 200 (with the challenge for `url_verification`); 400 for a body that is not an event; 403 for
    ///   another workspace.
    public func event(json: [UInt8]) -> HTTPResponse {
        let callback: SlackEventCallback
        do {
            callback = try SlackEventCallback(json: json)
        } catch {
            return .jsonError(400, "malformed event: \(error.reason)")
        }
        switch callback.type {
        case "url_verification":
            var body = JSONWriter(capacity: 64)
            body.beginObject()
            body.field("challenge", callback.challenge ?? "")
            body.endObject()
            return .json(200, body.bytes)
        case "event_callback":
            do {
                try verifier.checkTeam(callback.teamId ?? "")
            } catch {
                return SlackEndpoints.rejected(error)
            }
            guard let event = callback.event else { return .jsonError(400, "malformed event: missing field `event`") }
            if let id = event.eventId, !seenEvents.firstSighting(id) { return HTTPResponse(status: 200) }
            events.dispatch(event)
            return HTTPResponse(status: 200)
        default:
            // App rate limiting notices and types Slipway does not know: acknowledged, nothing to do.
            return HTTPResponse(status: 200)
        }
    }
}

/// One Events API event (the `event` object of an `event_callback`), with the fields Slipway's handlers route on
/// and the object's JSON for the rest.
public struct SlackEvent: Sendable {
    /// `event.type`, e.g. `app_home_opened`.
    public var type: String
    /// `event.user`, when present.
    public var userId: String?
    /// `event.channel`, when present (a string).
    public var channelId: String?
    /// `event.tab` (`home`, `messages`) of `app_home_opened`.
    public var tab: String?
    /// The callback's `team_id`.
    public var teamId: String?
    /// The callback's `event_id`, unique per event (the same on a resend).
    public var eventId: String?
    /// The `event` object as JSON, for fields not above.
    public var json: [UInt8]

    public init(
        type: String, userId: String? = nil, channelId: String? = nil, tab: String? = nil, teamId: String? = nil,
        eventId: String? = nil, json: [UInt8] = Array("{}".utf8)
    ) {
        self.type = type
        self.userId = userId
        self.channelId = channelId
        self.tab = tab
        self.teamId = teamId
        self.eventId = eventId
        self.json = json
    }
}

/// Routes Events API events to the handlers registered for their type. Handlers run on the request (or Socket Mode)
/// path before Slack is answered: they must be quick (record, wake a service), never call Slack.
public final class SlackEventRouter: Sendable {
    public typealias Handler = @Sendable (SlackEvent) -> Void
    private let handlers = Mutex<[String: [Handler]]>([:])

    public init() {}

    /// Adds a handler for events of `type` (e.g. `app_home_opened`); several may be registered for one type.
    public func register(_ type: String, _ handler: @escaping Handler) {
        handlers.withLock { $0[type, default: []].append(handler) }
    }

    /// The event types with a handler (the manifest subscribes to these).
    public var registeredTypes: [String] { handlers.withLock { $0.keys.sorted() } }

    /// Calls every handler registered for the event's type; events of other types are ignored.
    func dispatch(_ event: SlackEvent) {
        let matching = handlers.withLock { $0[event.type] ?? [] }
        for handler in matching { handler(event) }
    }
}

/// A bounded memory of event ids already handled (Slack retries an event up to three times within minutes).
final class SlackEventLedger: Sendable {
    private struct State {
        var seen: Set<String> = []
        var order: [String] = []
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Whether `id` is new (and remembers it); false for one already seen.
    func firstSighting(_ id: String) -> Bool {
        state.withLock { state in
            guard state.seen.insert(id).inserted else { return false }
            state.order.append(id)
            if state.order.count > capacity {
                let dropped = state.order.count - capacity / 2
                for old in state.order[..<dropped] { state.seen.remove(old) }
                state.order.removeFirst(dropped)
            }
            return true
        }
    }
}

/// An Events API body, decoded as far as Slipway routes it.
struct SlackEventCallback {
    var type: String
    var challenge: String?
    var teamId: String?
    var event: SlackEvent?

    init(json: [UInt8]) throws(SlackPayloadError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw .malformed("body is not a JSON object")
        }
        guard let type = object["type"] as? String else { throw .missingField("type") }
        self.type = type
        challenge = object["challenge"] as? String
        teamId = object["team_id"] as? String
        guard let inner = object["event"] as? [String: Any] else { return }
        guard let eventType = inner["type"] as? String else { throw .missingField("event.type") }
        let innerJSON = (try? JSONSerialization.data(withJSONObject: inner)).map { Array($0) } ?? Array("{}".utf8)
        event = SlackEvent(
            type: eventType, userId: inner["user"] as? String, channelId: inner["channel"] as? String,
            tab: inner["tab"] as? String, teamId: teamId, eventId: object["event_id"] as? String, json: innerJSON)
    }
}
