import DeployCore
import Foundation

/// The Slack app manifest for a configuration (`slipway slack-manifest`): the configured slash commands, the request
/// URLs under the address Slack reaches Slipway at, and exactly the bot scopes the Web API calls Slipway makes for
/// that configuration need. Paste it at api.slack.com/apps → Create New App → From an app manifest.
public enum SlackManifest {
    /// A bot token scope and the calls that need it.
    public struct Scope: Sendable, Equatable {
        public var name: String
        public var reason: String
    }

    /// A `--url` Slack cannot use.
    public struct URLError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The bot scopes `config` needs, in the order the manifest lists them.
    public static func botScopes(for config: SlipwayConfig) -> [Scope] {
        var scopes = [
            Scope(name: "commands", reason: "receive the slash commands"),
            Scope(
                name: "chat:write",
                reason:
                    "post and update the deploy message in slack.deployChannel (chat.postMessage, chat.update), private notes to requesters (chat.postEphemeral)"
            ),
            // After a post that timed out or a crash while posting, the deploy's message is looked for before posting
            // again, so a deploy keeps one message; groups:history covers a private deploy channel.
            Scope(
                name: "channels:history",
                reason:
                    "find a deploy's message again after an ambiguous post (conversations.history with its slipway_deploy metadata) in a public deploy channel"
            ),
            Scope(
                name: "groups:history",
                reason: "the same lookup when slack.deployChannel is a private channel"),
        ]
        if !config.onCallSlackUserIds.isEmpty || config.onCallPagerDuty != nil {
            scopes.append(
                Scope(
                    name: "im:write",
                    reason:
                        "open a direct message with each onCall.slackUserIds user (conversations.open) for a failed deploy's summary"
                ))
        }
        let approvers = config.catalog.services.values.flatMap { $0.environments.values.flatMap(\.approvers) }
        if approvers.contains(where: { $0.hasPrefix("S") }) {
            scopes.append(
                Scope(
                    name: "usergroups:read",
                    reason:
                        "let members of a Slack user group listed in approvers approve (usergroups.users.list)"))
        }
        // Commit authors not in `people` are looked up by email; Slack grants users:read.email only with users:read.
        scopes.append(
            Scope(
                name: "users:read",
                reason: "required by Slack alongside users:read.email"))
        scopes.append(
            Scope(
                name: "users:read.email",
                reason:
                    "mention a commit's author: find their Slack user by git email (users.lookupByEmail) when `people` does not list them"
            ))
        return scopes
    }

    /// The Events API bot events `config` subscribes to (`/slack/events`, or Socket Mode's `events_api`):
    /// `app_home_opened`, on which Slipway publishes the user's App Home dashboard.
    public static func botEvents(for config: SlipwayConfig) -> [String] {
        ["app_home_opened"]
    }

    /// The base URL Slack sends requests to, without a trailing slash.
    /// - Throws: `URLError` unless `text` is an absolute `https://` URL with a host and no query or fragment.
    public static func baseURL(_ text: String) throws(URLError) -> String {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty
        else {
            throw URLError(
                description:
                    "--url must be the https address Slack reaches Slipway at, e.g. https://slipway.example.com"
            )
        }
        guard scheme == "https" else {
            throw URLError(
                description:
                    "--url must use https (got \(scheme)://): Slack sends slash commands and button clicks only to public HTTPS URLs; put Slipway behind a TLS-terminating ingress or a tunnel and give its https address"
            )
        }
        guard url.query == nil, url.fragment == nil, url.user == nil, url.password == nil else {
            throw URLError(description: "--url must be a plain base address without user, query or fragment")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// The manifest as pretty-printed JSON, ending with a newline.
    /// - Parameters:
    ///   - config: A loaded configuration (its command names are already checked against Slack's rules).
    ///   - baseURL: The https address Slack reaches Slipway at; `/slack/commands` and `/slack/interactions` go under it.
    ///     Not needed (and not used) with `slack.socketMode`: Slack then sends everything over the WebSocket, and the
    ///     manifest turns `socket_mode_enabled` on and has no request URLs.
    public static func render(for config: SlipwayConfig, baseURL: String?) throws(URLError) -> String {
        let socketMode = config.slack.socketMode != nil
        // nil: no request URLs (Socket Mode).
        let base: String?
        if socketMode {
            base = nil
        } else if let baseURL {
            base = try Self.baseURL(baseURL)
        } else {
            throw URLError(
                description:
                    "missing --url https://HOST (the address Slack reaches Slipway at); with slack.socketMode none is needed"
            )
        }
        let names = config.slack.commands
        func command(_ name: String, _ description: String, _ hint: String) -> Value {
            .object(
                [("command", .string(name))] + (base.map { [("url", .string($0 + "/slack/commands"))] } ?? []) + [
                    ("description", .string(description)), ("usage_hint", .string(hint)),
                    ("should_escape", .bool(false)),
                ])
        }
        let events = botEvents(for: config)
        var settings: [(String, Value)] = []
        if !events.isEmpty {
            settings.append(
                (
                    "event_subscriptions",
                    .object(
                        (base.map { [("request_url", .string($0 + "/slack/events"))] } ?? [])
                            + [("bot_events", .array(events.map { .string($0) }))])
                ))
        }
        settings += [
            (
                "interactivity",
                .object(
                    [("is_enabled", .bool(true))]
                        + (base.map { [("request_url", .string($0 + "/slack/interactions"))] } ?? []))
            ),
            ("org_deploy_enabled", .bool(false)),
            ("socket_mode_enabled", .bool(socketMode)),
            ("token_rotation_enabled", .bool(false)),
        ]
        let manifest = Value.object([
            (
                "display_information",
                .object([
                    ("name", .string("Slipway")),
                    ("description", .string("Deploys, rollbacks and status for every service, from Slack.")),
                    ("background_color", .string("#1d3557")),
                ])
            ),
            (
                "features",
                .object([
                    ("bot_user", .object([("display_name", .string("Slipway")), ("always_online", .bool(true))])),
                    // The Home tab is Slipway's dashboard (views.publish); the Messages tab is not used.
                    (
                        "app_home",
                        .object([
                            ("home_tab_enabled", .bool(true)), ("messages_tab_enabled", .bool(false)),
                            ("messages_tab_read_only_enabled", .bool(false)),
                        ])
                    ),
                    (
                        "slash_commands",
                        .array([
                            command(
                                names.deploy, "Deploy a service, lock or unlock an environment",
                                "<service> <env> [tag|sha] | lock <service> <env> <reason> | unlock <service> <env> | status | help"
                            ),
                            command(
                                names.rollback, "Roll a service back to its last known good image",
                                "<service> <env> [tag] | help"),
                            command(
                                names.status, "What runs where, deploys in flight, locks, DORA stats",
                                "[service] [env] | stats | help"),
                        ])
                    ),
                ])
            ),
            (
                "oauth_config",
                .object([("scopes", .object([("bot", .array(botScopes(for: config).map { .string($0.name) }))]))])
            ),
            ("settings", .object(settings)),
        ])
        var out = ""
        manifest.write(to: &out, indent: "")
        return out + "\n"
    }

    /// JSON with keys in the order given, so the shipped manifest reads in Slack's documented order.
    private indirect enum Value {
        case string(String)
        case bool(Bool)
        case array([Value])
        case object([(String, Value)])

        func write(to out: inout String, indent: String) {
            let inner = indent + "  "
            switch self {
            case .string(let text): out += Self.quoted(text)
            case .bool(let flag): out += flag ? "true" : "false"
            case .array(let items):
                let strings = items.compactMap { item -> String? in
                    if case .string(let text) = item { Self.quoted(text) } else { nil }
                }
                if strings.count == items.count {
                    // Scope lists stay on one line.
                    out += "[" + strings.joined(separator: ", ") + "]"
                    return
                }
                out += "[\n"
                for (index, item) in items.enumerated() {
                    out += inner
                    item.write(to: &out, indent: inner)
                    out += index == items.count - 1 ? "\n" : ",\n"
                }
                out += indent + "]"
            case .object(let fields):
                out += "{\n"
                for (index, (key, value)) in fields.enumerated() {
                    out += inner + Self.quoted(key) + ": "
                    value.write(to: &out, indent: inner)
                    out += index == fields.count - 1 ? "\n" : ",\n"
                }
                out += indent + "}"
            }
        }

        static func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
    }
}
