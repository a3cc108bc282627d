import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack

/// What the tests and benchmarks that run real `slipway serve` processes share: the config file on a loopback port,
/// the environment holding the secrets it names, and signed slash commands sent over HTTP.
extension SlipwayHarness {
    /// Writes the harness configuration for a `slipway serve` process on `127.0.0.1:port` to `path`.
    /// - Parameters:
    ///   - checkout: the process's own GitOps checkout directory.
    ///   - store: the `store` section, e.g. `["sqlite": ["path": …]]` or `["postgres": ["urlEnv": "DATABASE_URL"]]`.
    public static func writeProcessConfig(
        to path: String, port: Int, kubernetes: FakeKubernetes, git: GitFixture, checkout: String, slack: FakeSlack,
        pagerDuty: FakePagerDuty, store: [String: Any]
    ) throws {
        var json = configJSON(
            kubernetesURL: kubernetes.baseURL, remote: git.remote, checkout: checkout, slackURL: slack.baseURL,
            pagerDutyURL: pagerDuty.eventsURL, store: store)
        json["server"] = ["host": "127.0.0.1", "port": port, "maxBodyBytes": 65536, "drainSeconds": 2]
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]).write(
            to: URL(fileURLWithPath: path))
    }

    /// The environment a `slipway serve` process with that configuration needs: every secret variable it names, the
    /// fakes' tokens, `PATH` and `HOME` (git reads it), plus `extra`.
    public static func processEnvironment(
        slack: FakeSlack, kubernetes: FakeKubernetes, home: String, extra: [String: String] = [:]
    ) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        return [
            "SLACK_SIGNING_SECRET": signingSecret, "SLACK_BOT_TOKEN": slack.token,
            "SLIPWAY_WEBHOOK_SECRET": webhookSecret, "FLUX_WEBHOOK_TOKEN": fluxToken,
            "PAGERDUTY_ROUTING_KEY": routingKey, "KUBE_TOKEN": kubernetes.token,
            "PATH": inherited["PATH"] ?? "/usr/bin:/bin", "HOME": inherited["HOME"] ?? home,
        ].merging(extra) { _, new in new }
    }

    /// A slash command as Slack sends it to `127.0.0.1:port`, signed with the harness's signing secret now.
    /// - Parameters:
    ///   - line: the command and its text, e.g. `/deploy shop staging`.
    ///   - responseURL: where the server may answer later (a `FakeSlack.responseURL`).
    public static func signedCommand(_ line: String, port: Int, user: String, responseURL: String) -> HTTPClientRequest
    {
        let command = String(line.prefix { $0 != " " })
        let text = String(line.dropFirst(command.count)).trimmingCharacters(in: .whitespaces)
        let body = FormEncoder.encode([
            ("token", "x"), ("team_id", teamId), ("team_domain", "nortinia"), ("channel_id", "C0DEPLOYS"),
            ("channel_name", "deploys"), ("user_id", user), ("user_name", user.lowercased()), ("command", command),
            ("text", text), ("response_url", responseURL), ("trigger_id", "1.2.3"),
        ])
        let ts = Int64(Date().timeIntervalSince1970)
        let signature = "v0=" + HMAC.sha256Hex(key: signingSecret, message: Array("v0:\(ts):".utf8) + body)
        return HTTPClientRequest(
            method: .post, url: "http://127.0.0.1:\(port)/slack/commands",
            headers: [
                "X-Slack-Signature": signature, "X-Slack-Request-Timestamp": String(ts),
                "Content-Type": "application/x-www-form-urlencoded",
            ], body: body, timeout: 10)
    }
}
