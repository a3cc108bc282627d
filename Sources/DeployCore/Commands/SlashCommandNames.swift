/// The names the workspace's Slack app registers for Slipway's three commands (`slack.commands`). Every reply, hint
/// and help text is written with these, so users see the commands they can actually type.
public struct SlashCommandNames: Sendable, Equatable {
    /// Deploys, locks and unlocks; `<deploy> status` and `<deploy> stats` also answer like the status command.
    public var deploy: String
    public var rollback: String
    public var status: String

    public init(deploy: String, rollback: String, status: String) {
        self.deploy = deploy
        self.rollback = rollback
        self.status = status
    }

    /// `/deploy`, `/rollback` and `/deploy-status`: Slack reserves `/status` for its own command.
    public static let defaults = SlashCommandNames(deploy: "/deploy", rollback: "/rollback", status: "/deploy-status")

    /// The name older Slipway manifests registered for the status command; still answered when a workspace sends it.
    public static let legacyStatus = "/status"

    /// The configured name of `command`.
    public func name(of command: SlashCommand.CommandName) -> String {
        switch command {
        case .deploy: deploy
        case .rollback: rollback
        case .status: status
        }
    }

    /// The command Slack sent as `text` (exactly as registered, which Slack sends in lowercase), or nil.
    /// Three or four short string comparisons: cheaper than hashing on the ack path.
    public func command(named text: String) -> SlashCommand.CommandName? {
        if text == deploy { return .deploy }
        if text == status { return .status }
        if text == rollback { return .rollback }
        if text == Self.legacyStatus { return .status }
        return nil
    }

    /// The three names in a sentence: "`/deploy`, `/rollback` or `/deploy-status`".
    public var listed: String { "`\(deploy)`, `\(rollback)` or `\(status)`" }
}

extension SlashCommandNames {
    /// Slack's built-in commands, which an app cannot register: a manifest naming one is refused with "the slash
    /// command has an invalid name" and its whole `slash_commands` list is dropped. From Slack's help article "Use
    /// built-in slash commands" (slack.com/help/articles/201259356), with the aliases it lists (`/close`, `/part`,
    /// `/kick`) and names other projects found refused (`/pro`).
    public static let slackBuiltIns: Set<String> = [
        "/active", "/apps", "/archive", "/away", "/call", "/close", "/collapse", "/dm", "/dnd", "/expand", "/feed",
        "/feedback", "/invite", "/invite_people", "/join", "/kick", "/leave", "/me", "/msg", "/mute", "/open", "/part",
        "/prefs", "/pro", "/remind", "/remove", "/rename", "/search", "/shortcuts", "/shrug", "/star", "/status",
        "/topic", "/who",
    ]

    /// Slack's limit on a command's length, counting the slash.
    public static let maximumLength = 32

    /// Why Slack would refuse `name` as a slash command, with what to use instead; nil when it is acceptable.
    /// - Parameter fallback: The name to suggest when `name` is one of Slack's built-ins.
    public static func problem(with name: String, fallback: String) -> String? {
        guard name.hasPrefix("/") else {
            return "must start with /, e.g. \"/\(name.trimmingCharacters(in: .whitespaces))\""
        }
        let body = name.dropFirst()
        guard !body.isEmpty else { return "must name a command after the /, e.g. \"\(fallback)\"" }
        guard name.utf8.count <= maximumLength else {
            return
                "is \(name.utf8.count) characters; Slack allows at most \(maximumLength), counting the /, e.g. \"\(fallback)\""
        }
        let allowed = body.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
        guard allowed else {
            let cleaned = String(
                name.lowercased().map { $0 == " " ? "-" : $0 }.filter {
                    $0 == "/" || $0 == "-" || $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber))
                })
            return
                "may hold only lowercase letters, digits, - and _ after the / (no spaces), e.g. \"\(cleaned.count > 1 ? cleaned : fallback)\""
        }
        if slackBuiltIns.contains(name) {
            return
                "is one of Slack's built-in commands, so Slack refuses an app that registers it; use another name, e.g. \"\(fallback)\""
        }
        return nil
    }
}
