/// The slash commands Slipway understands, parsed from `/deploy`, `/rollback` and `/status` text.
public enum SlashCommand: Sendable, Equatable {
    /// `/deploy <service> <env> [tag|sha]`; without a ref, promote what runs in `promoteFrom`.
    case deploy(service: String, environment: String, ref: String?)
    /// `/rollback <service> <env> [tag]`; without a tag, the last known good one.
    case rollback(service: String, environment: String, tag: String?)
    /// `/deploy lock <service> <env> <reason…>`
    case lock(service: String, environment: String, reason: String)
    /// `/deploy unlock <service> <env>`
    case unlock(service: String, environment: String)
    /// `/status [service] [env]`
    case status(service: String?, environment: String?)
    /// `/status stats`: DORA figures for the last 90 days.
    case stats
    /// `help` on any command.
    case help(CommandName)

    /// The three registered slash commands.
    public enum CommandName: String, Sendable, Equatable, CaseIterable {
        case deploy = "/deploy"
        case rollback = "/rollback"
        case status = "/status"
    }
}

/// Why a command's text could not be understood; `message` tells the user what to type instead.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Parses slash-command text. Knows the grammar, not the catalog: names are resolved later.
public enum CommandParser {
    /// Parses `text` typed after `command`.
    /// - Parameters:
    ///   - command: The slash command as Slack sends it (`/deploy`), any case.
    ///   - text: What the user typed after it.
    public static func parse(command: String, text: String) throws(CommandError) -> SlashCommand {
        // Slack sends the command as registered, in lowercase; other cases are lowercased only when needed.
        guard let name = commandName(command) ?? commandName(command.lowercased()) else {
            throw CommandError(
                "Slipway does not handle `\(command)`. Use `/deploy`, `/rollback` or `/status`.")
        }
        let words = Self.words(text)
        if let first = words.first, isHelpWord(first) { return .help(name) }
        switch name {
        case .deploy: return try parseDeploy(words)
        case .rollback: return try parseRollback(words)
        case .status: return try parseStatus(words)
        }
    }

    /// The command named exactly `text`; plain comparisons of small strings, cheaper than hashing on the ack path.
    private static func commandName(_ text: String) -> SlashCommand.CommandName? {
        for name in commandNames where name.rawValue == text { return name }
        return nil
    }

    private static let commandNames = SlashCommand.CommandName.allCases

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

    private static func parseDeploy(_ words: [String]) throws(CommandError) -> SlashCommand {
        if let first = words.first.map(lowercase), first == "lock" || first == "unlock" {
            let rest = Array(words.dropFirst())
            if first == "unlock" {
                guard rest.count == 2 else {
                    throw CommandError("Usage: `/deploy unlock <service> <env>`, e.g. `/deploy unlock shop prod`.")
                }
                return .unlock(service: lowercase(rest[0]), environment: lowercase(rest[1]))
            }
            guard rest.count >= 3 else {
                throw CommandError(
                    "Usage: `/deploy lock <service> <env> <reason>`, e.g. `/deploy lock shop prod database migration`. A reason is required so others know why."
                )
            }
            return .lock(
                service: lowercase(rest[0]), environment: lowercase(rest[1]),
                reason: rest.dropFirst(2).joined(separator: " "))
        }
        guard words.count == 2 || words.count == 3 else {
            throw CommandError(
                words.isEmpty
                    ? "Usage: `/deploy <service> <env> [tag|sha]`, e.g. `/deploy shop staging` or `/deploy shop prod main-1a2b3c4`. Type `/deploy help` for more."
                    : "`/deploy` takes a service, an environment and optionally a tag or commit sha, e.g. `/deploy shop prod main-1a2b3c4`. Type `/deploy help` for more."
            )
        }
        let ref = words.count == 3 ? words[2] : nil
        if let ref { try validateRef(ref) }
        return .deploy(service: lowercase(words[0]), environment: lowercase(words[1]), ref: ref)
    }

    private static func parseRollback(_ words: [String]) throws(CommandError) -> SlashCommand {
        guard words.count == 2 || words.count == 3 else {
            throw CommandError(
                "Usage: `/rollback <service> <env> [tag]`, e.g. `/rollback shop prod` (last known good tag) or `/rollback shop prod main-1a2b3c4`."
            )
        }
        let tag = words.count == 3 ? words[2] : nil
        if let tag { try validateRef(tag) }
        return .rollback(service: lowercase(words[0]), environment: lowercase(words[1]), tag: tag)
    }

    private static func parseStatus(_ words: [String]) throws(CommandError) -> SlashCommand {
        if words.count == 1, lowercase(words[0]) == "stats" { return .stats }
        guard words.count <= 2 else {
            throw CommandError("Usage: `/status [service] [env]` or `/status stats`, e.g. `/status shop prod`.")
        }
        return .status(service: words.first.map(lowercase), environment: words.count == 2 ? lowercase(words[1]) : nil)
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
