import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import SlipwayTesting
import Testing

@Suite("Slack ingress over loopback", .harnessScope)
struct SlackIngressTests {
    @Test("a signed /status is answered with the services and their environments")
    func signedStatus() async throws {
        let h = try SlipwayHarness()
        let reply = try await h.reply("/status")
        #expect(reply.type == "ephemeral")
        #expect(reply.text.contains("shop"))
        #expect(reply.text.contains("staging"))
        #expect(reply.text.contains("nothing recorded yet"))
    }

    @Test(
        "bad signatures get 401 and change nothing",
        arguments: ["missing", "malformed-ts", "stale", "future", "wrong", "no-ts"])
    func rejectedSignatures(_ kind: String) async throws {
        let h = try SlipwayHarness()
        let body = h.commandBody("/deploy shop staging main-1a2b3c4")
        let now = Int64(Date().timeIntervalSince1970)
        var headers: HTTPHeaders
        switch kind {
        case "missing":
            headers = ["X-Slack-Request-Timestamp": String(now)]
        case "malformed-ts":
            headers = h.slackHeaders(body, timestamp: now)
            headers.replace(name: "X-Slack-Request-Timestamp", value: "\(now)abc")
        case "stale":
            headers = h.slackHeaders(body, timestamp: now - 301)
        case "future":
            headers = h.slackHeaders(body, timestamp: now + 301)
        case "no-ts":
            headers = h.slackHeaders(body, timestamp: now)
            headers = HTTPHeaders(headers.fields.filter { $0.name != "X-Slack-Request-Timestamp" })
        default:
            headers = h.slackHeaders(body, timestamp: now, secret: "not-the-secret")
        }
        let response = try await h.send(.post, "/slack/commands", headers: headers, body: body)
        #expect(response.status == 401)
        #expect(try h.latestDeploy("shop", "staging") == nil)
    }

    @Test("header names are case-insensitive")
    func lowercaseHeaders() async throws {
        let h = try SlipwayHarness()
        let body = h.commandBody("/status shop")
        let signed = h.slackHeaders(body)
        let lower = HTTPHeaders(signed.fields.map { (name: $0.name.lowercased(), value: $0.value) })
        let response = try await h.send(.post, "/slack/commands", headers: lower, body: body)
        #expect(response.status == 200)
    }

    @Test("another workspace is rejected, ssl_check is answered")
    func teamAndSSLCheck() async throws {
        let h = try SlipwayHarness()
        let other = h.commandBody("/status", team: "T0OTHER")
        #expect(try await h.send(.post, "/slack/commands", headers: h.slackHeaders(other), body: other).status == 403)
        let ssl = Array("ssl_check=1&token=x".utf8)
        #expect(try await h.send(.post, "/slack/commands", headers: h.slackHeaders(ssl), body: ssl).status == 200)
    }

    @Test("413 for an oversized body, 404 for an unknown route, 405 for a wrong method")
    func httpErrors() async throws {
        let h = try SlipwayHarness()
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        #expect(try await h.send(.post, "/slack/commands", headers: h.slackHeaders(big), body: big).status == 413)
        #expect(try await h.send(.get, "/nope").status == 404)
        let wrong = try await h.send(.get, "/slack/commands")
        #expect(wrong.status == 405)
        #expect(wrong.headers["Allow"]?.contains("POST") == true)
        #expect(try await h.send(.get, "/healthz").status == 200)
    }

    @Test("/ready is 503 until services run, 200 while serving")
    func readiness() async throws {
        let h = try SlipwayHarness()
        #expect(try await h.send(.get, "/ready").status == 503)
        h.startServices()
        var ready = false
        for _ in 0..<200 where !ready {
            ready = (try? await h.send(.get, "/ready").status) == 200
            if !ready { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        #expect(ready)
    }

    @Test("misspelled names get a suggestion; bad grammar gets usage; help answers")
    func suggestions() async throws {
        let h = try SlipwayHarness()
        let service = try await h.reply("/deploy shpo staging")
        #expect(service.type == "ephemeral")
        #expect(service.text.contains("Unknown service `shpo`. Did you mean `shop`?"))
        let env = try await h.reply("/deploy shop stagin")
        #expect(env.text.contains("Did you mean `staging`?"))
        // `/deploy` alone opens the deploy form (DeployModalTests); a lone service gets the usage.
        let usage = try await h.reply("/deploy shop")
        // Slack shows &lt; as <; user-supplied text in replies is always escaped.
        #expect(usage.text.contains("`/deploy` takes a service, an environment and optionally a tag"))
        #expect(try await h.command("/deploy").body.isEmpty)
        let help = try await h.reply("/rollback help")
        #expect(help.text.contains("last tag that deployed successfully"))
        let status = try await h.reply("/status shop prdo")
        #expect(status.text.contains("Did you mean `prod`?"))
    }

    @Test("placeholders like <service> reach Slack escaped: Slack reads a bare <…> as a link or mention")
    func placeholdersAreEscaped() async throws {
        let h = try SlipwayHarness()
        let lines = [
            "/deploy help", "/rollback help", "/status help", "/status",
            "/deploy shop staging",  // staging promotes from nothing: "say which image: /deploy shop staging <tag|sha>"
            "/rollback shop staging",  // no earlier successful deploy: "Name the tag: /rollback shop staging <tag>"
        ]
        for line in lines {
            let reply = try await h.reply(line)
            #expect(reply.text.contains("&lt;"), "\(line) shows a placeholder: \(reply.text)")
            // Only Slack's own control sequences (mentions, channels, dates, links) may start with a bare <.
            let bare = reply.text.split(separator: "<", omittingEmptySubsequences: false).dropFirst().filter { rest in
                !["@", "#", "!", "http"].contains { rest.hasPrefix($0) }
            }
            #expect(bare.isEmpty, "\(line) sends a bare <: \(reply.text)")
        }
        #expect(
            try await h.reply("/deploy help").text.contains("`/deploy &lt;service&gt; &lt;env&gt; &lt;tag|sha&gt;`"))
    }

    @Test("users outside deployers are refused and nothing is recorded")
    func deployersOnly() async throws {
        let h = try SlipwayHarness()
        let reply = try await h.reply("/deploy shop prod main-1a2b3c4", user: "U0MALLORY")
        #expect(reply.type == "ephemeral")
        #expect(reply.text.contains("not allowed to deploy `shop/prod`"))
        #expect(try h.latestDeploy("shop", "prod") == nil)
    }

    @Test("a valid /deploy is persisted with an audit event and shown by /status")
    func deployPersisted() async throws {
        let h = try SlipwayHarness()
        let reply = try await h.reply("/deploy shop staging main-1a2b3c4")
        #expect(reply.type == "in_channel")
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(deploy.targetTag == "main-1a2b3c4")
        #expect(deploy.requestedBy == "U0ALICE")
        #expect(deploy.channelId == "C0DEPLOYS")
        let audit = try h.app.store.read { r in try r.auditEvents(deployId: deploy.id) }
        #expect(audit.first?.action == "requested")
        #expect(audit.first?.origin == "slack:C0DEPLOYS")
        let status = try await h.reply("/status shop staging")
        #expect(status.text.contains(deploy.id))
    }

    @Test("interactions: malformed payload 400, unknown action says the button expired")
    func interactions() async throws {
        let h = try SlipwayHarness()
        let junk = Array("payload=%7Bnot-json".utf8)
        #expect(try await h.send(.post, "/slack/interactions", headers: h.slackHeaders(junk), body: junk).status == 400)
        let unknown = try await h.click(actionId: "something.else", value: "x", user: "U0DANA")
        #expect(unknown.status == 200)
        #expect(unknown.bodyText.contains("expired"))
        let forged = try await h.click(actionId: "deploy.approve", value: "a-not-a-real-token", user: "U0DANA")
        #expect(forged.bodyText.contains("expired"))
    }
}
