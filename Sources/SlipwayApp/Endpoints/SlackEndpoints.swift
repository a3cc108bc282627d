import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// `POST /slack/commands`, `POST /slack/interactions` and `POST /slack/events`: verify the raw body, then hand it to
/// ``SlackIngress`` (which Socket Mode calls too) and answer in milliseconds.
public struct SlackEndpoints: Sendable {
    let verifier: SlackRequestVerifier
    /// What every verified request is handed to.
    public let ingress: SlackIngress
    /// Signatures already acted on: a replayed request is answered without effect.
    let replays: SlackReplayGuard

    /// - Parameter replays: Remembers accepted signatures; by default for the verifier's tolerance window.
    public init(
        verifier: SlackRequestVerifier, commands: CommandHandler, interactions: InteractionHandler,
        replays: SlackReplayGuard? = nil
    ) {
        self.init(
            verifier: verifier,
            ingress: SlackIngress(commands: commands, interactions: interactions, verifier: verifier),
            replays: replays)
    }

    /// - Parameters:
    ///   - ingress: carries out what the verified requests ask (shared with Socket Mode).
    ///   - replays: Remembers accepted signatures; by default for the verifier's tolerance window.
    public init(verifier: SlackRequestVerifier, ingress: SlackIngress, replays: SlackReplayGuard? = nil) {
        self.verifier = verifier
        self.ingress = ingress
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
    private func isFirstSighting(_ request: HTTPRequest) -> Bool { replays.firstSighting(headers: request.headers) }

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
        return ingress.command(SlashCommandForm(formBody: request.body)) { handle in handlingOnce(request, handle) }
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
        // A submitted form is read from its JSON (`view.state`), which the payload type leaves out.
        let json =
            payload.type == "view_submission"
            ? FormDecoder.decode(request.body)["payload"].map { Array($0.utf8) } : nil
        return ingress.interaction(payload, json: json) { handle in handlingOnce(request, handle) }
    }

    /// Events API (`POST /slack/events`): 401 for a bad signature; the `url_verification` challenge; events go to
    /// the handlers registered on ``SlackIngress/events``. Slack's retries of an event (same `event_id`, sent again
    /// with a new signature) are dispatched once.
    public func event(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try verifier.verify(headers: request.headers, body: request.body)
        } catch {
            return Self.rejected(error)
        }
        guard isFirstSighting(request) else { return HTTPResponse(status: 200) }
        return ingress.event(json: request.body)
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
