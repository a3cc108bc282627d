import Foundation

/// Helpers for Slack `mrkdwn` text: escaping user-supplied text, mentions, links, and cutting to a limit.
public enum SlackText {
    /// Escapes `&`, `<` and `>` so user-supplied text (a commit message, a tag, a reason) cannot inject
    /// `<!channel>`, `<!here>`, a fake `<@U…>` mention or a disguised link, and removes the characters that could
    /// make it lie about what it says: C0 control characters other than newline and tab (NUL, escape sequences,
    /// carriage return), DEL, and the Unicode bidirectional controls (U+202A–U+202E embeddings and overrides,
    /// U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks) that can show a tag or a reason reversed or reordered.
    /// Apply to every piece of text that did not come from the bot itself, before putting it into mrkdwn.
    /// - Parameter text: Untrusted text.
    /// - Returns: The text with `&`, `<`, `>` replaced by `&amp;`, `&lt;`, `&gt;` and the characters above removed.
    public static func escape(_ text: String) -> String {
        var needsWork = false
        for byte in text.utf8 where needsEscapeOrRemoval(byte) {
            needsWork = true
            break
        }
        guard needsWork else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 16)
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if let length = bidiControlLength(bytes, at: index) {
                index += length
                continue
            }
            index += 1
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case 0x09, 0x0A: out.append(byte)
            case 0x00...0x1F, 0x7F: continue
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The UTF-8 length of the bidirectional formatting character (Unicode's Bidi_Control) at `index`, or nil:
    /// U+061C (D8 9C), U+200E/U+200F (E2 80 8E/8F), U+202A–U+202E (E2 80 AA–AE), U+2066–U+2069 (E2 81 A6–A9).
    private static func bidiControlLength(_ bytes: [UInt8], at index: Int) -> Int? {
        let byte = bytes[index]
        if byte == 0xD8, index + 1 < bytes.count, bytes[index + 1] == 0x9C { return 2 }
        guard byte == 0xE2, index + 2 < bytes.count else { return nil }
        let second = bytes[index + 1]
        let third = bytes[index + 2]
        if second == 0x80, third == 0x8E || third == 0x8F || (0xAA...0xAE).contains(third) { return 3 }
        if second == 0x81, (0xA6...0xA9).contains(third) { return 3 }
        return nil
    }

    /// A byte that starts work for ``escape(_:)``: `&<>`, a control character other than tab and newline, DEL, or
    /// the lead byte of U+061C (0xD8) or of U+200E–U+2069 (0xE2); text without them is returned as it is.
    private static func needsEscapeOrRemoval(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), 0x7F, 0xD8, 0xE2: true
        case 0x09, 0x0A: false
        case 0x00...0x1F: true
        default: false
        }
    }

    /// The text as Slack shows it: `&lt;`, `&gt;` and `&amp;` back to `<`, `>` and `&` (`&amp;` last, so an escaped
    /// `&amp;lt;` stays `&lt;`). For showing a reply outside Slack, e.g. in a terminal.
    public static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A date each reader sees in their own time zone, e.g. `<!date^1700000000^{time}|2023-11-14T22:13:20Z>`; the
    /// fallback after `|` (ISO 8601, UTC) is what a client that cannot format it shows.
    /// - Parameters:
    ///   - date: The moment.
    ///   - format: Slack's tokens, e.g. `{time}` or `{date_short_pretty} {time}`.
    public static func date(_ date: Date, format: String = "{date_short_pretty} {time}") -> String {
        let fallback = date.formatted(.iso8601)
        return "<!date^\(Int(date.timeIntervalSince1970))^\(format)|\(fallback)>"
    }

    /// A user mention `<@U…>`. An id that is not a Slack user id (upper-case letters and digits) is escaped and
    /// shown literally instead, so it cannot become another control sequence.
    /// - Parameter userId: A Slack user id such as `U0APPROVER`.
    public static func mention(userId: String) -> String {
        let isId =
            !userId.isEmpty && userId.utf8.count <= 32
            && userId.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            }
        return isId ? "<@\(userId)>" : escape(userId)
    }

    /// A link `<url|label>` with the label escaped.
    /// - Parameters:
    ///   - url: The target; `|` is percent-encoded and `&<>` escaped so it cannot end the link early.
    ///   - label: The visible text (may be user-supplied).
    public static func link(_ url: String, label: String) -> String {
        let safeURL = escape(url).replacingAll("|", with: "%7C")
        let safeLabel = escape(label).replacingAll("|", with: "¦")
        return "<\(safeURL)|\(safeLabel)>"
    }

    /// The length Slack's limits are checked against (UTF-16 code units; never less than the character count).
    public static func length(_ text: String) -> Int { text.utf16.count }

    /// Cuts text to at most `limit` (UTF-16 units, see ``length(_:)``), ending with `marker` when it was cut.
    ///
    /// The cut falls on a character boundary and never leaves half an escape (`&am`) or an unclosed `<…` control
    /// sequence behind.
    /// - Parameters:
    ///   - text: The text, already escaped where needed.
    ///   - limit: The maximum length.
    ///   - marker: Appended when the text was cut.
    /// - Returns: `text` unchanged when it fits.
    public static func truncate(_ text: String, to limit: Int, marker: String = "… (truncated)") -> String {
        guard text.utf16.count > limit else { return text }
        let budget = max(0, limit - marker.utf16.count)
        var kept = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            let width = text.utf16.distance(from: index, to: next)
            if kept + width > budget { break }
            kept += width
            end = next
        }
        var prefix = text[..<end]
        if let open = prefix.lastIndex(of: "<"), prefix[open...].firstIndex(of: ">") == nil {
            prefix = prefix[..<open]
        }
        if let amp = prefix.lastIndex(of: "&"), prefix[amp...].firstIndex(of: ";") == nil,
            prefix.distance(from: amp, to: prefix.endIndex) < 6
        {
            prefix = prefix[..<amp]
        }
        let cut = String(prefix) + marker
        return cut.utf16.count <= limit ? cut : String(marker.prefix(limit))
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
