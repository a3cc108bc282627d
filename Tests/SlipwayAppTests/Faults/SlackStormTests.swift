import Foundation
import SlipwayTesting
import Testing

extension Faults {
    /// Slack rate limits, fails and times out again and again: each message still arrives, once, and a 429's
    /// `Retry-After` is waited out before Slack is called again.
    @Suite("Faults: Slack 429, 500 and timeout storms", .serialized, .harnessScope, .tags(.faults))
    struct SlackStorms {
        /// A harness whose Slack Web API calls go through a fault-injecting proxy.
        static func harness() throws -> (SlipwayHarness, FaultInjectingProxy) {
            let proxy = try FaultInjectingProxy(upstream: nil)
            TestScope.onExit { proxy.stop() }
            let h = try SlipwayHarness(adjust: { json in
                var slack = json["slack"] as? [String: Any] ?? [:]
                slack["apiBaseURL"] = proxy.baseURL
                json["slack"] = slack
            })
            proxy.setUpstream(h.slack.baseURL)
            return (h, proxy)
        }

        /// What the proxy and the fake saw, for failure messages.
        static func transcript(_ proxy: FaultInjectingProxy, _ slack: FakeSlack) -> String {
            let start = proxy.exchanges().first?.receivedAt ?? Date()
            let seen = proxy.exchanges().map {
                String(format: "%.2f", $0.receivedAt.timeIntervalSince(start))
                    + " \($0.path) \($0.fault.map { "\($0)" } ?? "forwarded")"
            }
            let answered = slack.calls().map { "\($0.method) \($0.httpStatus) \($0.error ?? "ok")" }
            return "proxy: \(seen.joined(separator: "; "))\nslack: \(answered.joined(separator: "; "))"
        }

        /// The latest content Slack accepted for the deploy's channel message (its post or its last update).
        static func latestContent(_ slack: FakeSlack, _ id: String) -> String? {
            slack.calls().last {
                $0.succeeded && ["chat.postMessage", "chat.update"].contains($0.method)
                    && $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(id)
            }?.bodyText
        }

        /// For every 429 the proxy answered, the next call of the same method came no sooner than its `Retry-After`.
        static func retryAfterViolations(_ proxy: FaultInjectingProxy) -> [String] {
            let exchanges = proxy.exchanges()
            var violations: [String] = []
            for (index, exchange) in exchanges.enumerated() {
                // Slack applies rate limits per method (per app and workspace): Retry-After binds the next call of
                // the same method; other methods, called by other delivery lanes meanwhile, are not limited by it.
                guard case .rateLimit(let seconds)? = exchange.fault,
                    let next = exchanges[(index + 1)...].first(where: { $0.path == exchange.path })
                else { continue }
                let waited = next.receivedAt.timeIntervalSince(exchange.receivedAt)
                // Retry-After is whole seconds; allow for the clock granularity of the two timestamps only.
                if waited < Double(seconds) - 0.05 {
                    violations.append(
                        "\(next.path) \(String(format: "%.2f", waited)) s after a 429 asking for \(seconds) s")
                }
            }
            return violations
        }

        @Test("a deploy's channel message through 429s, 500s, a 503 and a timeout: posted once, updated to green")
        func deployMessageThroughAStorm() async throws {
            let (h, proxy) = try Self.harness()
            h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .hold)
            // The post: a timeout in which Slack never saw the request (the client gives up after 10 s), then
            // rate limits and server errors; the updates: more of the same.
            proxy.script(
                path: "/chat.postMessage",
                [.hang(seconds: 11), .rateLimit(retryAfter: 1), .serverError, .rateLimit(retryAfter: 2)])
            proxy.script(path: "/chat.update", [.serverError, .rateLimit(retryAfter: 1), .unavailable])
            h.startServices()

            let reply = try await h.reply("/deploy shop staging main-57a1a11")
            #expect(reply.text.contains("main-57a1a11"), "\(reply.text)")
            let deploy = try #require(try h.latestDeploy("shop", "staging"))
            // The post gets through the storm while the rollout is held; then the rollout completes.
            let posted = await h.waitUntil(timeout: 60) { try h.deploy(deploy.id)?.message != nil }
            try #require(posted, "the deploy message was posted: \(Self.transcript(proxy, h.slack))")
            h.kubernetes.completeRollout(namespace: "shop-staging", deployment: "shop")
            #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .succeeded })

            let green = await h.waitUntil(timeout: 60) {
                proxy.remainingFaults(path: "/chat.update") == 0
                    && Self.latestContent(h.slack, deploy.id)?.contains("✅") == true
            }
            #expect(green, "the deploy message turned green: \(Self.transcript(proxy, h.slack))")
            try await Task.sleep(nanoseconds: 1_500_000_000)  // room for a duplicate to show up

            let accepted = h.slack.succeededCalls(method: "chat.postMessage").filter {
                $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(deploy.id)
            }
            #expect(accepted.count == 1, "one channel message for the deploy, not \(accepted.count)")
            #expect(h.slack.postedMessages(channel: "C0DEPLOYS").count == 1)
            #expect(Self.retryAfterViolations(proxy).isEmpty, "\(Self.retryAfterViolations(proxy))")
            let faulted = proxy.exchanges().filter { $0.fault != nil }.count
            #expect(faulted == 7, "every scripted fault was answered: \(Self.transcript(proxy, h.slack))")
        }

        @Test("a failed deploy through a Slack outage: the channel message and the on-call DM each arrive once")
        func failureNoticesThroughAnOutage() async throws {
            let (h, proxy) = try Self.harness()
            h.kubernetes.script(namespace: "shop-staging", deployment: "shop", outcome: .fail(.oomKilled))
            h.startServices()
            // Slack answers 503 and 500 to everything for a while: the posts, the DM's conversations.open, updates.
            for path in ["/chat.postMessage", "/conversations.open"] {
                proxy.script(path: path, [.unavailable, .serverError, .rateLimit(retryAfter: 1), .unavailable])
            }
            let reply = try await h.reply("/deploy shop staging main-badf00d")
            #expect(reply.text.contains("main-badf00d"), "\(reply.text)")
            let deploy = try #require(try h.latestDeploy("shop", "staging"))
            #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy.id)?.state == .failed })
            let delivered = await h.waitUntil(timeout: 60) {
                ["/chat.postMessage", "/conversations.open"].allSatisfy { proxy.remainingFaults(path: $0) == 0 }
                    && Self.latestContent(h.slack, deploy.id)?.contains("❌") == true
                    && h.slack.succeededCalls(method: "chat.postMessage").contains {
                        $0.string("channel") == "D0ONCALL"
                    }
            }
            #expect(
                delivered, "the failure reached the channel once Slack recovered: \(Self.transcript(proxy, h.slack))")
            try await Task.sleep(nanoseconds: 1_500_000_000)

            let channel = h.slack.succeededCalls(method: "chat.postMessage").filter {
                $0.string("channel") == "C0DEPLOYS" && $0.bodyText.contains(deploy.id)
            }
            #expect(channel.count == 1, "one channel message, not \(channel.count)")
            let dms = h.slack.succeededCalls(method: "chat.postMessage").filter { $0.string("channel") == "D0ONCALL" }
            #expect(dms.count == 1, "one DM to on-call, not \(dms.count)")
            // Every successful post's content is distinct: nothing was delivered twice.
            let bodies = h.slack.succeededCalls(method: "chat.postMessage").map(\.bodyText)
            #expect(Set(bodies).count == bodies.count, "a message was posted twice")
            #expect(Self.retryAfterViolations(proxy).isEmpty, "\(Self.retryAfterViolations(proxy))")
        }
    }
}
