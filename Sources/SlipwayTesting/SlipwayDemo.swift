import DeployCore
import Foundation
import SlipwayApp
import SlipwayHTTP
import Synchronization

/// A whole Slipway to try on one machine (`make demo`): the real server, SQLite store and git with a local bare
/// remote, with the fake Slack, Kubernetes/Flux and PagerDuty of the tests standing in for the real ones.
///
/// Lines typed at it are slash commands (`/deploy shop staging main-1a2b3c4`), button clicks (`approve`), or
/// instructions to the fake cluster (`fail shop staging oom`). Everything Slipway sends to Slack and PagerDuty is
/// written to `output` as it arrives, so a deploy's message can be watched turning green or red.
///
/// ```swift
/// let demo = try SlipwayDemo(port: 8080) { print($0) }
/// print(await demo.perform("/deploy shop staging main-1a2b3c4"))
/// ```
public final class SlipwayDemo: Sendable {
    /// The people of the demo configuration: who may deploy to production, who approves.
    public static let people = ["alice": "U0ALICE", "bob": "U0BOB", "dana": "U0DANA", "oncall": "U0ONCALL"]
    /// Failures the fake cluster can be told to produce on a rollout, by the word typed after `fail`.
    public static let failureWords = ["oom", "secret", "configmap", "crash", "image", "unschedulable"]

    let harness: SlipwayHarness
    private let output: @Sendable (String) -> Void
    private let state = Mutex(State())
    private let feed = Mutex<Task<Void, Never>?>(nil)

    private struct State {
        var shownSlackCalls = 0
        var shownPagerDutyEvents = 0
        var clickedValues: Set<String> = []
        /// Environments scripted to fail once, with the id of their latest deploy at that time: once a later deploy
        /// has failed, the fake cluster is told to succeed again (the failure belonged to that rollout's image).
        var failOnce: [(service: String, environment: String, after: String?)] = []
    }

    /// Starts everything; nothing is written to `output` until Slipway calls Slack or PagerDuty.
    /// - Parameters:
    ///   - port: The loopback port of Slipway's HTTP server (0: any free port).
    ///   - output: Receives one text per Slack or PagerDuty call, from a background task.
    public init(port: Int, output: @escaping @Sendable (String) -> Void) throws {
        harness = try SlipwayHarness(adjust: { json in
            var server = json["server"] as? [String: Any] ?? [:]
            server["port"] = port
            json["server"] = server
        })
        self.output = output
        harness.startServices()
        let task = Task { [weak self] in
            while !Task.isCancelled {
                self?.showNewCalls()
                self?.endFailuresThatHappened()
                try? await Task.sleep(nanoseconds: 150_000_000)
            }
        }
        feed.withLock { $0 = task }
    }

    /// Slipway's HTTP address.
    public var baseURL: String { harness.baseURL }

    /// What to type, for the demo's banner and `help`.
    public static let usage = """
        Type a slash command (as alice unless it starts with `as dana`, `as bob` or `as oncall`):
          /deploy shop staging main-1a2b3c4     deploys at once; watch the message turn green
          /deploy shop prod                     promotes staging's tag; production waits for an approver
          as dana approve                       clicks Approve on the newest message that has it (also: deny)
          built shop main-3c4d5e6               CI reports an image built by carol; staging auto-deploys it
          fail shop staging oom                 the next rollout of shop/staging fails: \(failureWords.joined(separator: " | "))
          succeed shop staging                  takes a `fail` back
          rollback                              clicks the Rollback button of the newest failed deploy
          /deploy-status, /deploy-status shop prod, /deploy help, /rollback shop prod, /deploy stats
          help, quit
        """

    /// Carries out one typed line and returns what to show for it (the reply, or what was done).
    public func perform(_ line: String) async -> String {
        var words = line.split(separator: " ").map(String.init)
        var user = Self.people["alice"]!
        if words.count >= 3, words[0] == "as" {
            guard let id = Self.people[words[1].lowercased()] else {
                return
                    "Unknown person `\(words[1])`; the demo knows \(Self.people.keys.sorted().joined(separator: ", "))."
            }
            user = id
            words.removeFirst(2)
        }
        guard let first = words.first else { return "" }
        do {
            switch first.lowercased() {
            case let command where command.hasPrefix("/"):
                let response = try await harness.command(words.joined(separator: " "), user: user)
                guard response.status == 200 else { return "HTTP \(response.status): \(response.bodyText)" }
                return SlackReplyText.render(json: response.body)
            case "approve", "deny", "rollback":
                return try await click(first.lowercased(), as: user)
            case "fail", "succeed":
                return script(words)
            case "built":
                return try await imageBuilt(words)
            case "help":
                return Self.usage
            default:
                return "Not a demo command: `\(line)`.\n" + Self.usage
            }
        } catch {
            return "⚠️ \(error)"
        }
    }

    /// Stops Slipway and the fakes and removes the demo's files.
    public func stop() async {
        feed.withLock { $0 }?.cancel()
        showNewCalls()
        await harness.stop()
    }

    // MARK: - Buttons and the fake cluster

    private func click(_ button: String, as user: String) async throws -> String {
        let actionId = ["approve": ActionID.approve, "deny": ActionID.deny, "rollback": ActionID.rollback][button]!
        // The newest message (posted, updated or sent to a response_url) that shows the button and was not clicked.
        let clicked = state.withLock { s in s.clickedValues }
        let newestFirst = harness.slack.calls().reversed().lazy.compactMap { $0.json }
        guard
            let value = newestFirst.compactMap({ Self.buttonValue(actionId, in: $0) }).first(where: {
                !clicked.contains($0)
            })
        else {
            return "No message so far has an unclicked `\(button)` button."
        }
        let response = try await harness.click(actionId: actionId, value: value, user: user)
        guard response.status == 200 else { return "HTTP \(response.status): \(response.bodyText)" }
        let reply = SlackReplyText.render(json: response.body)
        // A refusal ("someone else must approve it") is ephemeral and leaves the button for someone else.
        if !reply.hasPrefix("[ephemeral]") { state.withLock { s in _ = s.clickedValues.insert(value) } }
        return "[clicked \(button)] " + reply
    }

    /// CI's image-built webhook for staging, with carol as the commit author (Slipway finds her in Slack).
    private func imageBuilt(_ words: [String]) async throws -> String {
        guard words.count == 3, ["shop", "api"].contains(words[1]) else {
            return "Usage: `built <shop|api> <tag>`, e.g. `built shop main-3c4d5e6`."
        }
        let sha = (0..<40).map { _ in "0123456789abcdef".randomElement()! }.map(String.init).joined()
        let response = try await harness.imageBuilt([
            "repo": "nortinia-ltd/\(words[1])", "sha": sha, "tag": words[2], "env": "staging",
            "author": ["name": "Carol", "email": "carol@nortinia.example"], "message": "Speed up checkout",
        ])
        return "CI webhook for \(words[1]) \(words[2]) (commit \(sha.prefix(7)) by Carol): HTTP \(response.status) "
            + response.bodyText
    }

    private func script(_ words: [String]) -> String {
        guard words.count == (words[0] == "fail" ? 4 : 3) else {
            return
                "Usage: `fail <service> <env> <\(Self.failureWords.joined(separator: "|"))>` or `succeed <service> <env>`."
        }
        let (service, environment) = (words[1], words[2])
        guard ["shop", "api"].contains(service), ["staging", "prod"].contains(environment) else {
            return "The demo cluster runs shop and api, each in staging and prod."
        }
        let namespace = SlipwayHarness.workloadNamespace(service, environment)
        let outcome: FakeKubernetes.Outcome
        if words[0] == "succeed" {
            outcome = .succeed
        } else {
            switch words[3].lowercased() {
            case "oom": outcome = .fail(.oomKilled)
            case "secret": outcome = .fail(.missingSecret(name: "\(service)-db", sealedSecret: .absent))
            case "configmap":
                outcome = .fail(
                    .configMapKeyTypo(key: "DATABSE_URL", configMap: "\(service)-config", keys: ["DATABASE_URL"]))
            case "crash": outcome = .fail(.crashLoop(exitCode: 1, message: "panic: listen tcp :8080: bind"))
            case "image": outcome = .fail(.imagePull)
            case "unschedulable": outcome = .fail(.unschedulable)
            default: return "Unknown failure `\(words[3])`; one of \(Self.failureWords.joined(separator: ", "))."
            }
        }
        let latest = try? harness.latestDeploy(service, environment)?.id
        state.withLock { s in
            s.failOnce.removeAll { $0.service == service && $0.environment == environment }
            if words[0] == "fail" { s.failOnce.append((service, environment, latest)) }
        }
        harness.kubernetes.script(namespace: namespace, deployment: service, outcome: outcome)
        return words[0] == "succeed"
            ? "Rollouts of \(service)/\(environment) succeed."
            : "The next rollout of \(service)/\(environment) will fail (\(words[3])); the ones after it succeed again."
    }

    // MARK: - What Slipway sends

    /// Tells the fake cluster to succeed again for environments whose scripted failure has happened.
    private func endFailuresThatHappened() {
        for entry in state.withLock({ s in s.failOnce }) {
            guard let latest = try? harness.latestDeploy(entry.service, entry.environment),
                latest.id != entry.after, latest.state == .failed
            else { continue }
            harness.kubernetes.script(
                namespace: SlipwayHarness.workloadNamespace(entry.service, entry.environment),
                deployment: entry.service, outcome: .succeed)
            state.withLock { s in
                s.failOnce.removeAll { $0.service == entry.service && $0.environment == entry.environment }
            }
        }
    }

    private func showNewCalls() {
        let calls = harness.slack.calls()
        let events = harness.pagerDuty.events
        let (newCalls, newEvents) = state.withLock { s in
            defer { (s.shownSlackCalls, s.shownPagerDutyEvents) = (calls.count, events.count) }
            return (calls.dropFirst(s.shownSlackCalls), events.dropFirst(s.shownPagerDutyEvents))
        }
        for call in newCalls {
            let where_ = call.string("channel").map { " \($0)" } ?? ""
            switch call.method {
            case "chat.postMessage", "chat.update", "chat.postEphemeral", "response_url":
                let text = SlackReplyText.render(json: call.body)
                output(
                    "💬 Slack \(call.method)\(where_):\n"
                        + text.split(separator: "\n").map { "   " + $0 }.joined(separator: "\n"))
            default:
                continue
            }
        }
        for event in newEvents {
            let summary = (event.json?["payload"] as? [String: Any])?["summary"] as? String
            output("📟 PagerDuty \(event.eventAction ?? "event")\(summary.map { ": \($0)" } ?? "")")
        }
    }

    /// The value of the button `actionId` in a posted message, if it has one.
    static func buttonValue(_ actionId: String, in message: [String: Any]) -> String? {
        for block in message["blocks"] as? [[String: Any]] ?? [] {
            for element in block["elements"] as? [[String: Any]] ?? [] where element["action_id"] as? String == actionId
            {
                return element["value"] as? String
            }
        }
        return nil
    }
}
