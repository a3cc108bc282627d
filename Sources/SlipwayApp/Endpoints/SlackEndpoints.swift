import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// `POST /slack/commands` and `POST /slack/interactions`: verify the raw body, parse, act, answer in milliseconds.
public struct SlackEndpoints: Sendable {
    let verifier: SlackRequestVerifier
    let commands: CommandHandler
    let interactions: InteractionHandler
    /// Signatures already acted on: a replayed request is answered without effect.
    let replays: SlackReplayGuard

    /// - Parameter replays: Remembers accepted signatures; by default for the verifier's tolerance window.
    public init(
        verifier: SlackRequestVerifier, commands: CommandHandler, interactions: InteractionHandler,
        replays: SlackReplayGuard? = nil
    ) {
        self.verifier = verifier
        self.commands = commands
        self.interactions = interactions
        self.replays = replays ?? verifier.makeReplayGuard()
    }

    /// The answer to a request whose signature was already accepted: 200, so Slack shows it, and nothing done.
    static let replayReply = HTTPResponse.json(
        200,
        SlackMessage(
            text: "This request was already handled; nothing was done again.", responseType: .ephemeral,
            replaceOriginal: false
        ).jsonBytes())

    /// Whether a verified request is seen for the first time (false: a replay of an accepted request).
    private func isFirstSighting(_ request: HTTPRequest) -> Bool {
        guard let signature = request.headers[SlackRequestVerifier.signatureHeader],
            let timestamp = request.headers[SlackRequestVerifier.timestampHeader].flatMap({ Int64($0) })
        else { return true }
        return replays.firstSighting(signature: signature, timestamp: timestamp)
    }

    /// Runs a handler for a verified request so that its first store write also records the signature (a replay
    /// sent to another replica then changes nothing), and answers "already handled" if the store knew it.
    private func handlingOnce(_ request: HTTPRequest, _ handle: () -> HTTPResponse) -> HTTPResponse {
        guard let signature = request.headers[SlackRequestVerifier.signatureHeader],
            let timestamp = request.headers[SlackRequestVerifier.timestampHeader].flatMap({ Int64($0) })
        else { return handle() }
        let now = replays.nowSeconds
        let ledger = SlackRequestLedger(
            signature: signature, now: Date(timeIntervalSince1970: Double(now)),
            expiresAt: Date(timeIntervalSince1970: Double(max(timestamp, now) + replays.windowSeconds)))
        let response = ledger.handling(handle)
        return ledger.replayed ? Self.replayReply : response
    }

    /// Slash commands: 401 for a bad signature, otherwise always 200 with a Slack message.
    public func command(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try verifier.verify(headers: request.headers, body: request.body)
        } catch {
            return Self.rejected(error)
        }
        guard isFirstSighting(request) else { return Self.replayReply }
        let form = SlashCommandForm(formBody: request.body)
        if form.isSSLCheck { return HTTPResponse(status: 200) }
        do {
            try form.validate()
        } catch {
            return Self.malformedCommand(error)
        }
        do {
            try verifier.checkTeam(form.teamId)
        } catch {
            return Self.rejected(error)
        }
        // The most frequent command, answered from the form's three fields without decoding the rest.
        if let reply = commands.statusReply(command: form.command, text: form.text) { return reply }
        let payload: SlashCommandPayload
        do {
            payload = try form.payload()
        } catch {
            return Self.malformedCommand(error)
        }
        let who = CommandInvocation(
            userId: payload.userId, userName: payload.userName, channelId: payload.channelId,
            channelName: payload.channelName, responseURL: Self.usableResponseURL(payload.responseURL))
        return handlingOnce(request) {
            .json(200, commands.handle(command: payload.command, text: payload.text, from: who).jsonBytes())
        }
    }

    /// Button clicks (`payload=` JSON). 400 for a malformed payload; app-level problems are ephemeral replies.
    public func interaction(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try verifier.verify(headers: request.headers, body: request.body)
        } catch {
            return Self.rejected(error)
        }
        guard isFirstSighting(request) else { return Self.replayReply }
        let payload: InteractionPayload
        do {
            payload = try InteractionPayload(formBody: request.body)
        } catch {
            return .jsonError(400, "malformed interaction: \(error.reason)")
        }
        do {
            try verifier.checkTeam(payload.team.id)
        } catch {
            return Self.rejected(error)
        }
        return handlingOnce(request) { .json(200, interactions.handle(payload).jsonBytes()) }
    }

    /// Only http(s) response URLs are used; `slipway try` sends a placeholder that must not be posted to.
    static func usableResponseURL(_ url: String) -> String? {
        url.hasPrefix("https://") || url.hasPrefix("http://") ? url : nil
    }

    static func malformedCommand(_ error: SlackPayloadError) -> HTTPResponse {
        .jsonError(400, "malformed slash command: \(error.reason)")
    }

    static func rejected(_ error: SlackVerificationError) -> HTTPResponse {
        .jsonError(error.httpStatus, error.reason)
    }
}
