import Foundation

/// The slash commands Slipway understands, parsed from the text of its three commands (`slack.commands`).
public enum SlashCommand: Sendable, Equatable {
    /// `/deploy <service> <env> [tag|sha] [--emergency <reason…>]`; without a ref, promote what runs in
    /// `promoteFrom`.
    case deploy(service: String, environment: String, ref: String?, emergency: String? = nil)
    /// `/rollback <service> <env> [tag] [--emergency <reason…>]`; without a tag, the last known good one.
    case rollback(service: String, environment: String, tag: String?, emergency: String? = nil)
    /// `/deploy lock <service> <env> [<duration>] <reason…>`; with a duration (`2h`) the lock lifts itself.
    case lock(service: String, environment: String, reason: String, duration: TimeInterval? = nil)
    /// `/deploy unlock <service> <env>`
    case unlock(service: String, environment: String)
    /// `/deploy-status [service] [env]`, also `/deploy status [service] [env]`
    case status(service: String?, environment: String?)
    /// `/deploy-status stats` or `/deploy stats`: DORA figures for the last 90 days.
    case stats
    /// `help` on any command.
    case help(CommandName)
    /// `/deploy freeze <env|all> <duration> <reason…>`: an ad-hoc freeze of every environment of that name.
    case freeze(scope: AdHocFreeze.Scope, duration: TimeInterval, reason: String)
    /// `/deploy unfreeze <env|all>`
    case unfreeze(scope: AdHocFreeze.Scope)

    /// Slipway's three commands; their names are configured (`SlashCommandNames`).
    public enum CommandName: String, Sendable, Equatable, CaseIterable {
        case deploy, rollback, status
    }
}

/// Why a command's text could not be understood; `message` tells the user what to type instead.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parses slash-command text. Knows the grammar and the configured command names, not the catalog: service and
/// environment names are resolved later.
public struct CommandParser: Sendable {
    /// The configured names; every usage hint is written with them.
    public let names: SlashCommandNames

    public init(names: SlashCommandNames = .defaults) {
        self.names = names
    }

    /// Parses `text` typed after `command` with the default command names.
    public static func parse(command: String, text: String) throws(CommandError) -> SlashCommand {
        try CommandParser().parse(command: command, text: text)
    }

    /// Parses `text` typed after `command`.
    /// - Parameters:
    ///   - command: The slash command as Slack sends it (`/deploy`), any case.
    ///   - text: What the user typed after it.
    public func parse(command: String, text: String) throws(CommandError) -> SlashCommand {
        // Slack sends the command as registered, in lowercase; other cases are lowercased only when needed.
        guard let name = names.command(named: command) ?? names.command(named: command.lowercased()) else {
            throw CommandError("Slipway does not handle `\(command)`. Use \(names.listed).")
        }
        let words = Self.words(text)
        if let first = words.first, Self.isHelpWord(first) { return .help(name) }
        switch name {
        case .deploy: return try parseDeploy(words)
        case .rollback: return try parseRollback(words)
        case .status: return try parseStatus(words, command: names.status)
        }
    }

    /// `help`, `-h`, `--help` or `?`, in any case.
    private static func isHelpWord(_ word: String) -> Bool {
        guard word.utf8.count <= 6 else { return false }
        let word = lowercase(word)
        return word == "help" || word == "-h" || word == "--help" || word == "?"
    }

    /// The words of `text`, split on spaces, tabs, newlines and no-break spaces (which Slack clients insert).
    /// Works on the UTF-8 bytes: character and scalar splitting are the slow part of parsing on the ack path.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var text = text
        text.withUTF8 { utf8 in
            var start: Int?
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                // U+00A0 is C2 A0 in UTF-8; in valid UTF-8 that pair is never part of another character.
                let separator =
                    byte == 0x20 || byte == 0x09 || byte == 0x0A
                    ? 1 : (byte == 0xC2 && index + 1 < utf8.count && utf8[index + 1] == 0xA0 ? 2 : 0)
                if separator > 0 {
                    if let first = start { words.append(String(decoding: utf8[first..<index], as: UTF8.self)) }
                    start = nil
                    index += separator
                } else {
                    if start == nil { start = index }
                    index += 1
                }
            }
            if let first = start { words.append(String(decoding: utf8[first...], as: UTF8.self)) }
        }
        return words
    }

    /// `word` in lowercase, without building a new string when it already is (service and environment names are).
    static func lowercase(_ word: String) -> String {
        var bytes = word
        let needed = bytes.withUTF8 { utf8 in
            utf8.contains { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 >= 0x80 }
        }
        return needed ? word.lowercased() : word
    }

    private func parseDeploy(_ words: [String]) throws(CommandError) -> SlashCommand {
        let deploy = names.deploy
        let first = words.first.map(Self.lowercase)
        // `/deploy status …` and `/deploy stats` work wherever the status command is not registered.
        if first == "status" || first == "stats" {
            return try parseStatus(
                Array(first == "status" ? words.dropFirst() : words[...]), command: deploy + " status")
        }
        if let first, first == "freeze" || first == "unfreeze" {
            return try parseFreeze(first, Array(words.dropFirst()))
        }
        if let first, first == "lock" || first == "unlock" {
            let rest = Array(words.dropFirst())
            if first == "unlock" {
                guard rest.count == 2 else {
                    throw CommandError("Usage: `\(deploy) unlock <service> <env>`, e.g. `\(deploy) unlock shop prod`.")
                }
                return .unlock(service: Self.lowercase(rest[0]), environment: Self.lowercase(rest[1]))
            }
            guard rest.count >= 3 else {
                throw CommandError(
                    "Usage: `\(deploy) lock <service> <env> <reason>`, e.g. `\(deploy) lock shop prod database migration`. A reason is required so others know why."
                )
            }
            // A leading duration token (`2h`) sets an expiry, when a reason follows it.
            if rest.count >= 4, let duration = DurationText.parse(rest[2]) {
                return .lock(
                    service: Self.lowercase(rest[0]), environment: Self.lowercase(rest[1]),
                    reason: rest.dropFirst(3).joined(separator: " "), duration: duration)
            }
            return .lock(
                service: Self.lowercase(rest[0]), environment: Self.lowercase(rest[1]),
                reason: rest.dropFirst(2).joined(separator: " "))
        }
        let (words, emergency) = try Self.splitEmergency(words, usage: "\(deploy) shop prod main-1a2b3c4")
        guard words.count == 2 || words.count == 3 else {
            throw CommandError(
                words.isEmpty
                    ? "Usage: `\(deploy) <service> <env> [tag|sha]`, e.g. `\(deploy) shop staging` or `\(deploy) shop prod main-1a2b3c4`. Type `\(deploy) help` for more."
                    : "`\(deploy)` takes a service, an environment and optionally a tag or commit sha, e.g. `\(deploy) shop prod main-1a2b3c4`. Type `\(deploy) help` for more."
            )
        }
        let ref = words.count == 3 ? words[2] : nil
        if let ref { try Self.validateRef(ref) }
        return .deploy(
            service: Self.lowercase(words[0]), environment: Self.lowercase(words[1]), ref: ref, emergency: emergency)
    }

    /// Splits off `--emergency <reason…>`: the words before it, and the reason (required).
    private static func splitEmergency(_ words: [String], usage: String) throws(CommandError) -> ([String], String?) {
        guard let index = words.firstIndex(where: { lowercase($0) == "--emergency" }) else { return (words, nil) }
        let reason = words[(index + 1)...].joined(separator: " ")
        guard !reason.isEmpty else {
            throw CommandError(
                "`--emergency` needs a reason after it, e.g. `\(usage) --emergency checkout is down`. It is shown in the channel and the audit log."
            )
        }
        return (Array(words[..<index]), reason)
    }

    /// `freeze <env|all> <duration> <reason…>` and `unfreeze <env|all>`.
    private func parseFreeze(_ verb: String, _ rest: [String]) throws(CommandError) -> SlashCommand {
        let deploy = names.deploy
        func scope(_ word: String) -> AdHocFreeze.Scope {
            let name = Self.lowercase(word)
            return name == "all" ? .all : .environment(name)
        }
        if verb == "unfreeze" {
            guard rest.count == 1 else {
                throw CommandError("Usage: `\(deploy) unfreeze <env|all>`, e.g. `\(deploy) unfreeze prod`.")
            }
            return .unfreeze(scope: scope(rest[0]))
        }
        let usage =
            "Usage: `\(deploy) freeze <env|all> <duration> <reason>`, e.g. `\(deploy) freeze prod 2h release party`. Durations: `45s`, `90m`, `2h`, `1d`."
        guard rest.count >= 3 else { throw CommandError(usage) }
        guard let duration = DurationText.parse(rest[1]) else {
            throw CommandError("`\(rest[1].prefix(20))` is not a duration. \(usage)")
        }
        return .freeze(scope: scope(rest[0]), duration: duration, reason: rest.dropFirst(2).joined(separator: " "))
    }

    private func parseRollback(_ words: [String]) throws(CommandError) -> SlashCommand {
        let (words, emergency) = try Self.splitEmergency(words, usage: "\(names.rollback) shop prod main-1a2b3c4")
        guard words.count == 2 || words.count == 3 else {
            throw CommandError(
                "Usage: `\(names.rollback) <service> <env> [tag]`, e.g. `\(names.rollback) shop prod` (last known good tag) or `\(names.rollback) shop prod main-1a2b3c4`."
            )
        }
        let tag = words.count == 3 ? words[2] : nil
        if let tag { try Self.validateRef(tag) }
        return .rollback(
            service: Self.lowercase(words[0]), environment: Self.lowercase(words[1]), tag: tag, emergency: emergency)
    }

    /// `[service] [env]` or `stats`, after `command` (the status command, or `/deploy status`).
    private func parseStatus(_ words: [String], command: String) throws(CommandError) -> SlashCommand {
        if words.count == 1, Self.lowercase(words[0]) == "stats" { return .stats }
        guard words.count <= 2 else {
            throw CommandError(
                "Usage: `\(command) [service] [env]` or `\(command) stats`, e.g. `\(command) shop prod`.")
        }
        return .status(
            service: words.first.map(Self.lowercase), environment: words.count == 2 ? Self.lowercase(words[1]) : nil)
    }

    /// A Docker tag or git sha: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    public static func isValidTag(_ ref: String) -> Bool {
        let bytes = Array(ref.utf8)
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        func ok(_ c: UInt8, first: Bool) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
                || (!first && (c == 46 || c == 45))
        }
        return ok(bytes[0], first: true) && bytes.dropFirst().allSatisfy { ok($0, first: false) }
    }

    /// True when `ref` looks like a git commit sha (7–40 hex digits).
    public static func isCommitSHA(_ ref: String) -> Bool {
        (7...40).contains(ref.utf8.count)
            && ref.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }

    private static func validateRef(_ ref: String) throws(CommandError) {
        guard isValidTag(ref) else {
            throw CommandError(
                "`\(ref.prefix(60))` is not an image tag or commit sha. Tags look like `main-1a2b3c4` (letters, digits, `_`, `.`, `-`)."
            )
        }
    }
}
