import DeployCore
import Foundation
import SlipwayApp
import SlipwaySlack
import SlipwayTesting
import Testing

@Suite(
    "Durable outbox: outages, rate limits, restarts, a bot outside the channel, pages and message content",
    .harnessScope)
struct OutboxDeliveryTests {
    @Test("a Slack outage during CI deploys loses nothing: each deploy has one message, edited to green afterwards")
    func slackOutage() async throws {
        let h = try SlipwayHarness()
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
        h.startServices()
        // shop's message is posted, then Slack goes down while shop finishes and api deploys from start to end.
        let shop = try await h.ciDeploy("shop", "staging", sha: "a1b2c3d4e5f6", tag: "main-a1b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.message != nil })
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.state == .rollingOut })
        let shopRef = try #require(try h.deploy(shop)?.message)
        h.slack.setOutage(true)
        h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
        let api = try await h.ciDeploy("api", "staging", sha: "a2b2c3d4e5f6", tag: "main-a2b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(api)?.state == .succeeded })
        #expect(await h.waitUntil { h.slack.calls().contains { $0.httpStatus == 503 } })
        #expect(!Self.text(of: h.slack.message(channel: shopRef.channel, ts: shopRef.ts)).contains("✅"))
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 1)
        #expect(try h.deploy(api)?.message == nil)
        #expect(try h.outboxDepth() > 0)

        h.slack.setOutage(false)
        #expect(await h.waitUntil(timeout: 60) { try h.outboxDepth() == 0 })
        let posted = h.slack.postedMessages(channel: "C0DEPLOYS")
        #expect(posted.count == 2)
        #expect(h.slack.succeededCalls(method: "chat.postMessage").count == 2)
        let apiRef = try #require(try h.deploy(api)?.message)
        #expect(Set(posted.map(\.ts)) == [shopRef.ts, apiRef.ts])
        let shopText = Self.text(of: h.slack.message(channel: shopRef.channel, ts: shopRef.ts))
        #expect(shopText.contains("✅") && shopText.contains("main-a1b2c3d"))
        let apiText = Self.text(of: h.slack.message(channel: apiRef.channel, ts: apiRef.ts))
        #expect(apiText.contains("✅") && apiText.contains("main-a2b2c3d"))
        let shopUpdates = h.slack.succeededCalls(method: "chat.update").filter { $0.bodyText.contains(shop) }
        #expect(shopUpdates.last?.bodyText.contains("✅") == true)
        #expect(shopUpdates.allSatisfy { $0.string("ts") == shopRef.ts && $0.string("channel") == "C0DEPLOYS" })
        // api's first post already showed its final state: the queued edits with the same content are not sent.
        #expect(h.slack.calls(method: "chat.update").filter { $0.bodyText.contains(api) }.isEmpty)
        #expect(try h.app.store.read { r in try r.outboxCount(status: .failed) } == 0)
    }

    @Test("a 429 with Retry-After holds back every post and edit for that long; each message is still posted once")
    func rateLimitRetryAfter() async throws {
        let h = try SlipwayHarness()
        h.slack.failNext(method: "chat.postMessage", with: .rateLimit(retryAfter: 1))
        h.startServices()
        let shop = try await h.ciDeploy("shop", "staging", sha: "b1b2c3d4e5f6", tag: "main-b1b2c3d")
        let api = try await h.ciDeploy("api", "staging", sha: "b2b2c3d4e5f6", tag: "main-b2b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(api)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })
        let chat = h.slack.calls().filter { $0.method == "chat.postMessage" || $0.method == "chat.update" }
        let limited = try #require(chat.first)
        #expect(limited.httpStatus == 429 && limited.method == "chat.postMessage")
        #expect(chat.dropFirst().allSatisfy { $0.receivedAt.timeIntervalSince(limited.receivedAt) >= 1.0 })
        #expect(chat.dropFirst().allSatisfy { $0.succeeded })
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 2)
        #expect(h.slack.succeededCalls(method: "chat.postMessage").count == 2)
        for id in [shop, api] {
            #expect(try h.finalMessage(id).contains("✅"))
        }
    }

    @Test("a deploy message someone deleted is posted again instead of failing every later edit")
    func deletedMessageIsPostedAgain() async throws {
        let h = try SlipwayHarness()
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
        h.startServices()
        let id = try await h.ciDeploy("shop", "staging", sha: "b3b2c3d4e5f6", tag: "main-b3b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(id)?.state == .rollingOut })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })
        let first = try #require(try h.deploy(id)?.message)
        h.slack.deleteMessage(channel: first.channel, ts: first.ts)
        h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(id)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })
        let posted = h.slack.postedMessages(channel: "C0DEPLOYS")
        #expect(posted.count == 1)
        let second = try #require(try h.deploy(id)?.message)
        #expect(second.ts != first.ts && posted.first?.ts == second.ts)
        #expect(try h.finalMessage(id).contains("✅"))
        #expect(try h.app.store.read { r in try r.outboxCount(status: .failed) } == 0)
    }

    @Test("a restart delivers what was queued exactly once and keeps editing the same message")
    func restartInTheMiddle() async throws {
        let h = try SlipwayHarness()
        // The first process: shop's message is posted, its rollout hangs; api deploys while Slack is down.
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
        let first = h.app
        let firstServices = Task { await first.runServices() }
        let shop = try await h.ciDeploy("shop", "staging", sha: "c1b2c3d4e5f6", tag: "main-c1b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.state == .rollingOut })
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(shop)?.message != nil })
        let shopRef = try #require(try h.deploy(shop)?.message)
        h.slack.setOutage(true)
        let api = try await h.ciDeploy("api", "staging", sha: "d1b2c3d4e5f6", tag: "main-d1b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(api)?.state == .succeeded })
        #expect(try h.deploy(api)?.message == nil)
        #expect(try h.outboxDepth() > 0)
        firstServices.cancel()
        await firstServices.value

        // The second process on the same config file and SQLite store.
        h.slack.setOutage(false)
        let second = try h.restartedApplication()
        let secondServices = Task { await second.runServices() }
        defer { secondServices.cancel() }
        h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
        #expect(
            await h.waitUntil(timeout: 30) {
                try second.store.read { r in try r.deploy(id: shop)?.state } == .succeeded
            })
        #expect(
            await h.waitUntil(timeout: 30) {
                try second.store.read { r in try r.outboxCount(status: .pending) } == 0
            })
        let posted = h.slack.postedMessages(channel: "C0DEPLOYS")
        #expect(posted.count == 2)
        #expect(h.slack.succeededCalls(method: "chat.postMessage").count == 2)
        let apiRef = try #require(try second.store.read { r in try r.deploy(id: api)?.message })
        #expect(Set(posted.map(\.ts)) == [shopRef.ts, apiRef.ts])
        #expect(Self.text(of: h.slack.message(channel: shopRef.channel, ts: shopRef.ts)).contains("✅"))
        #expect(Self.text(of: h.slack.message(channel: apiRef.channel, ts: apiRef.ts)).contains("✅"))
        let shopUpdates = h.slack.succeededCalls(method: "chat.update").filter { $0.bodyText.contains("main-c1b2c3d") }
        #expect(shopUpdates.contains { $0.bodyText.contains("✅") })
        #expect(shopUpdates.allSatisfy { $0.string("ts") == shopRef.ts })
        #expect(try second.store.read { r in try r.outboxCount(status: .failed) } == 0)
    }

    @Test("when the bot is not in the deploy channel the requester is told how to invite it and /status shows it")
    func botNotInChannel() async throws {
        let h = try SlipwayHarness()
        h.slack.setNotInChannel("C0DEPLOYS")
        h.startServices()
        let responseURL = h.slack.responseURL("not-in-channel")
        let body = h.commandBody("/deploy shop staging main-e1b2c3d", user: "U0BOB", responseURL: responseURL)
        let response = try await h.send(.post, "/slack/commands", headers: h.slackHeaders(body), body: body)
        #expect(response.status == 200)
        let deploy = try #require(try h.latestDeploy("shop", "staging"))
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded })
        #expect(
            await h.waitUntil {
                h.slack.succeededCalls(method: "response_url").contains { $0.path.hasSuffix("/not-in-channel") }
            })
        let notes = h.slack.succeededCalls(method: "response_url").filter { $0.path.hasSuffix("/not-in-channel") }
        #expect(notes.count == 1)
        let note = notes.first?.bodyText ?? ""
        #expect(note.contains("/invite"))
        #expect(note.contains("C0DEPLOYS"))
        #expect(notes.first?.string("response_type") == "ephemeral")
        #expect(h.slack.postedMessages(channel: "C0DEPLOYS").isEmpty)
        #expect(await h.waitUntil { try h.outboxDepth() == 0 })
        #expect(try h.app.store.read { r in try r.outboxCount(status: .failed) } >= 1)

        let status = try await h.reply("/status")
        #expect(status.text.contains("could not deliver"))
        #expect(status.text.contains("not_in_channel"))
        #expect(status.text.contains("/invite"))
        #expect(status.text.components(separatedBy: "`deploy.message` for `\(deploy.id)`").count == 2)
        let serviceStatus = try await h.reply("/status shop staging")
        #expect(serviceStatus.text.contains("not_in_channel"))
    }

    @Test("staging failures do not page; a prod failure pages once through an outage and a fix-forward resolves it")
    func pagerDuty() async throws {
        let h = try SlipwayHarness()
        h.startServices()

        // Staging fails: on-call gets a DM, PagerDuty hears nothing.
        h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .fail(.oomKilled))
        let staging = try await h.ciDeploy("shop", "staging", sha: "f1b2c3d4e5f6", tag: "main-f1b2c3d")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(staging)?.state == .failed })
        #expect(await h.waitUntil { h.slack.succeededCalls(method: "conversations.open").count == 1 })
        #expect(await h.waitUntil { try h.outboxDepth() == 0 })
        #expect(h.pagerDuty.events.isEmpty)

        // Prod fails while PagerDuty is down: the trigger waits and arrives once PagerDuty is back.
        h.pagerDuty.setOutage(true)
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
        try h.recordSucceeded("shop", "staging", tag: "main-bad0002")
        _ = try await h.reply("/deploy shop prod main-bad0002", user: "U0ALICE")
        let prod = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: prod.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(prod.id)?.state == .failed })
        #expect(await h.waitUntil { !h.pagerDuty.events.isEmpty })
        #expect(h.pagerDuty.acceptedEvents.isEmpty)
        #expect(try h.app.store.read { r in try r.outbox(key: "\(prod.id):pd:trigger")?.status } == .pending)
        h.pagerDuty.setOutage(false)
        #expect(await h.waitUntil(timeout: 60) { h.pagerDuty.openAlerts == [prod.id] })
        let triggers = h.pagerDuty.acceptedEvents.filter { $0.eventAction == "trigger" }
        #expect(triggers.count == 1)
        let page = try #require(triggers.first)
        #expect(page.dedupKey == prod.id)
        #expect(page.routingKey == SlipwayHarness.routingKey)
        let payload = page.payload ?? [:]
        #expect(payload["severity"] as? String == "error")
        #expect(payload["component"] as? String == "shop")
        #expect((payload["source"] as? String)?.contains("shop") == true)
        let summary = payload["summary"] as? String ?? ""
        #expect(summary.contains("shop") && summary.contains("prod") && summary.contains("main-bad0002"))
        let failure = try #require(try h.deploy(prod.id)?.failure)
        #expect(summary.contains(failure.title))
        let links = (page.json?["links"] as? [[String: Any]] ?? []).compactMap { $0["href"] as? String }
        #expect(links.contains("https://runbooks.example/slipway/memory-limits.md"))
        let ref = try #require(try h.deploy(prod.id)?.message)
        #expect(
            links.contains(
                "https://slack.com/archives/\(ref.channel)/p\(ref.ts.replacingOccurrences(of: ".", with: ""))"))

        // A fix-forward (not a rollback) of the same service and environment resolves the page.
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .succeed)
        try h.recordSucceeded("shop", "staging", tag: "main-good003")
        _ = try await h.reply("/deploy shop prod main-good003", user: "U0ALICE")
        let fix = try #require(try h.latestDeploy("shop", "prod"))
        #expect(fix.id != prod.id && fix.kind == .deploy)
        _ = try await h.click(actionId: ActionID.approve, value: fix.approval!.token, user: "U0ONCALL")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(fix.id)?.state == .succeeded })
        #expect(await h.waitUntil { h.pagerDuty.openAlerts.isEmpty })
        let resolves = h.pagerDuty.acceptedEvents.filter { $0.eventAction == "resolve" }
        #expect(resolves.map(\.dedupKey) == [prod.id])
        #expect(h.pagerDuty.acceptedEvents.filter { $0.eventAction == "trigger" }.count == 1)
    }

    @Test("a prod failure fixed while PagerDuty is down wakes nobody: the trigger is dropped, the resolve sent")
    func pageFixedDuringOutage() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        h.pagerDuty.setOutage(true)
        h.kubernetes.script(namespace: "api", deployment: "api", outcome: .fail(.imagePull))
        try h.recordSucceeded("api", "staging", tag: "main-bad0004")
        _ = try await h.reply("/deploy api prod main-bad0004", user: "U0BOB")
        let failed = try #require(try h.latestDeploy("api", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: failed.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(failed.id)?.state == .failed })
        #expect(await h.waitUntil { h.pagerDuty.events.contains { $0.eventAction == "trigger" } })
        h.kubernetes.script(namespace: "api", deployment: "api", outcome: .succeed)
        try h.recordSucceeded("api", "staging", tag: "main-good005")
        _ = try await h.reply("/deploy api prod main-good005", user: "U0BOB")
        let fix = try #require(try h.latestDeploy("api", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: fix.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(fix.id)?.state == .succeeded })
        h.pagerDuty.setOutage(false)
        #expect(await h.waitUntil(timeout: 60) { try h.outboxDepth() == 0 })
        #expect(h.pagerDuty.acceptedEvents.filter { $0.eventAction == "trigger" }.isEmpty)
        #expect(h.pagerDuty.acceptedEvents.filter { $0.eventAction == "resolve" }.map(\.dedupKey) == [failed.id])
        #expect(h.pagerDuty.openAlerts.isEmpty)
        // On-call still heard about it in Slack.
        #expect(h.slack.succeededCalls(method: "chat.postMessage").contains { $0.string("channel") == "D0ONCALL" })
    }

    @Test("every message is valid Block Kit, escapes user text, tags authors and keeps one message per deploy")
    func messageContent() async throws {
        let h = try SlipwayHarness()
        h.startServices()

        // Alice is in `people`; her commit message and name try to ping everyone.
        let alice = try await h.ciDeploy(
            "shop", "staging", sha: "0a1b2c3d4e5f", tag: "main-0a1b2c3",
            author: ["name": "Alice <!channel>", "email": "alice@nortinia.example"],
            message: "Fix <!channel> & <@U123> ping\n\nsecond line")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(alice)?.state == .succeeded })
        // Carol is found by users.lookupByEmail, once for two deploys.
        let carol1 = try await h.ciDeploy(
            "api", "staging", sha: "1a1b2c3d4e5f", tag: "main-1a1b2c3",
            author: ["name": "Carol", "email": "carol@nortinia.example"], message: "Speed up")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(carol1)?.state == .succeeded })
        let carol2 = try await h.ciDeploy(
            "api", "staging", sha: "2a1b2c3d4e5f", tag: "main-2a1b2c3",
            author: ["name": "Carol", "email": "Carol@nortinia.example"], message: "Slow down")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(carol2)?.state == .succeeded })
        // Erin is unknown to Slack: her name, escaped.
        let erin = try await h.ciDeploy(
            "shop", "staging", sha: "3a1b2c3d4e5f", tag: "main-3a1b2c3",
            author: ["name": "Erin <@U0ALICE> & Co", "email": "erin@elsewhere.example"])
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(erin)?.state == .succeeded })
        // A prod deploy fails: red message, DM, rollback button.
        h.kubernetes.script(namespace: "shop", deployment: "shop", outcome: .fail(.oomKilled))
        try h.recordSucceeded("shop", "staging", tag: "main-0a1b2c3")
        _ = try await h.reply("/deploy shop prod main-0a1b2c3", user: "U0ALICE")
        let prod = try #require(try h.latestDeploy("shop", "prod"))
        _ = try await h.click(actionId: ActionID.approve, value: prod.approval!.token, user: "U0DANA")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(prod.id)?.state == .failed })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })

        let green = try h.finalMessage(alice)
        #expect(green.contains("✅"))
        #expect(green.contains("<@U0ALICE>"))
        #expect(!green.contains("<!channel>") && !green.contains("<@U123>"))
        #expect(green.contains("&lt;!channel&gt;") && green.contains("&amp;") && green.contains("&lt;@U123&gt;"))
        #expect(!green.contains("second line"))
        #expect(green.contains("Duration"))
        #expect(green.contains("Requested by* CI"))
        #expect(green.contains("`\(GitFixture.initialTag)` → `main-0a1b2c3`"))

        #expect(try h.finalMessage(carol1).contains("<@U0CAROL>"))
        #expect(try h.finalMessage(carol2).contains("<@U0CAROL>"))
        let lookups = h.slack.calls(method: "users.lookupByEmail")
        #expect(lookups.filter { $0.queryItems["email"] == "carol@nortinia.example" }.count == 1)
        #expect(!lookups.contains { $0.queryItems["email"] == "alice@nortinia.example" })

        let plain = try h.finalMessage(erin)
        #expect(plain.contains("Erin &lt;@U0ALICE&gt; &amp; Co"))
        #expect(!plain.contains("<@U0ALICE>"))

        let red = try h.finalMessage(prod.id)
        let failure = try #require(try h.deploy(prod.id)?.failure)
        #expect(red.contains("❌"))
        #expect(red.contains(SlackText.escape(failure.title)))
        #expect(red.contains("https://runbooks.example/slipway/memory-limits.md"))
        #expect(red.contains("<@U0ONCALL>"))
        #expect(red.contains("Roll back to \(GitFixture.initialTag)"))
        #expect(red.contains(ActionID.rollback))
        #expect(red.contains("Approved by* <@U0DANA>"))
        #expect(red.contains("Requested by* <@U0ALICE>"))
        let dm = try #require(
            h.slack.succeededCalls(method: "chat.postMessage").first { $0.string("channel") == "D0ONCALL" })
        #expect(dm.bodyText.contains("memory-limits.md") && dm.bodyText.contains(ActionID.rollback))

        // One message per deploy; every stage edits it in place.
        let posts = h.slack.succeededCalls(method: "chat.postMessage").filter { $0.string("channel") == "C0DEPLOYS" }
        #expect(posts.count == 5)
        for id in [alice, carol1, carol2, erin, prod.id] {
            let ref = try #require(try h.deploy(id)?.message)
            let updates = h.slack.succeededCalls(method: "chat.update").filter { $0.bodyText.contains(id) }
            #expect(!updates.isEmpty)
            #expect(updates.allSatisfy { $0.string("ts") == ref.ts })
        }

        // Everything Slipway sent is valid Block Kit.
        let sent = h.slack.calls().filter {
            ["chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"].contains($0.method)
        }
        #expect(sent.count > 10)
        for call in sent {
            let problems = BlockKitValidator.validate(json: call.body)
            #expect(problems.isEmpty, "\(call.method): \(problems) in \(call.bodyText)")
        }
    }

    /// All text of a message object, as JSON.
    static func text(of message: [String: Any]?) -> String {
        guard let message,
            let data = try? JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes])
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension SlipwayHarness {
    /// Sends a signed CI image-built webhook that auto-deploys, and returns the new deploy's id.
    func ciDeploy(
        _ service: String, _ environment: String, sha: String, tag: String, author: [String: Any]? = nil,
        message: String? = nil
    ) async throws -> String {
        var body: [String: Any] = ["repo": "nortinia-ltd/\(service)", "sha": sha, "tag": tag, "env": environment]
        if let author { body["author"] = author }
        if let message { body["message"] = message }
        let response = try await imageBuilt(body)
        try #require(response.status == 202, "image-built answered \(response.status): \(response.bodyText)")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return try #require(object?["deployId"] as? String)
    }

    /// Outbound messages waiting for delivery.
    func outboxDepth() throws -> Int { try app.store.read { r in try r.outboxCount(status: .pending) } }

    /// The deploy's message as Slack shows it now (JSON text), or an empty string.
    func finalMessage(_ deployId: String) throws -> String {
        guard let ref = try deploy(deployId)?.message else { return "" }
        return OutboxDeliveryTests.text(of: slack.message(channel: ref.channel, ts: ref.ts))
    }

    /// A second Application on the same configuration file and store, as after a process restart.
    func restartedApplication() throws -> Application {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/slipway.json"))
        let config = try ConfigLoader.parse(data)
        let environment = [
            "SLACK_SIGNING_SECRET": Self.signingSecret, "SLACK_BOT_TOKEN": slack.token,
            "SLIPWAY_WEBHOOK_SECRET": Self.webhookSecret, "FLUX_WEBHOOK_TOKEN": Self.fluxToken,
            "PAGERDUTY_ROUTING_KEY": Self.routingKey, "KUBE_TOKEN": kubernetes.token,
        ]
        let secrets = try Application.Secrets.load(config, environment: environment)
        let options = Application.Options(channelPaceSeconds: 0, log: Log(minimum: .error), baseDirectory: directory)
        return try Application(config: config, secrets: secrets, options: options, environment: environment)
    }
}
