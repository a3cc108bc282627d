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

    public init(verifier: SlackRequestVerifier, commands: CommandHandler, interactions: InteractionHandler) {
        self.verifier = verifier
        self.commands = commands
        self.interactions = interactions
    }

    /// Slash commands: 401 for a bad signature, otherwise always 200 with a Slack message.
    public func command(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try verifier.verify(headers: request.headers, body: request.body)
        } catch {
            return Self.rejected(error)
        }
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
        return .json(200, commands.handle(command: payload.command, text: payload.text, from: who).jsonBytes())
    }

    /// Button clicks (`payload=` JSON). 400 for a malformed payload; app-level problems are ephemeral replies.
    public func interaction(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try verifier.verify(headers: request.headers, body: request.body)
        } catch {
            return Self.rejected(error)
        }
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
        let reply = interactions.handle(payload)
        return .json(200, reply.jsonBytes())
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
