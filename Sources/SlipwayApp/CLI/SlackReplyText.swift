import Foundation
import SlipwaySlack

/// A Slack reply or message as terminal text, the way `slipway try` and the demo show it: the response type, then
/// every text of every block in order, buttons as `[Label]`, unescaped as Slack shows it.
public enum SlackReplyText {
    /// - Parameter json: A reply body or a `chat.postMessage`/`chat.update` body.
    public static func render(json: [UInt8]) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            return String(decoding: json, as: UTF8.self)
        }
        var lines: [String] = []
        if let type = object["response_type"] as? String { lines.append("[\(type)]") }
        var texts: [String] = []
        collect(object["blocks"] as Any, into: &texts)
        if texts.isEmpty, let text = object["text"] as? String { texts.append(text) }
        lines.append(contentsOf: texts)
        return SlackText.unescape(plain(lines.joined(separator: "\n")))
    }

    /// Slack's control sequences as Slack shows them: `<@U1>` as @U1, `<#C1|deploys>` as #deploys, a date as its
    /// fallback text, `<!here>` as @here, `<https://x|label>` as "label (https://x)". Escaped text has no bare `<`,
    /// so every one found is a control sequence.
    static func plain(_ text: String) -> String {
        guard text.contains("<") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            out += rest[..<open]
            let inner = rest[rest.index(after: open)..<close]
            let parts = inner.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let target = parts[0]
            let label = parts.count == 2 ? parts[1] : nil
            switch target.first {
            case "@": out += "@" + (label ?? target.dropFirst())
            case "#": out += "#" + (label ?? target.dropFirst())
            case "!":
                out += target.hasPrefix("!date^") ? String(label ?? target) : "@" + (label ?? target.dropFirst())
            default: out += label.map { "\($0) (\(target))" } ?? String(target)
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    private static func collect(_ value: Any, into texts: inout [String]) {
        if let array = value as? [Any] {
            for item in array { collect(item, into: &texts) }
        } else if let dict = value as? [String: Any] {
            if dict["type"] as? String == "actions" {
                let labels = (dict["elements"] as? [[String: Any]] ?? []).compactMap {
                    ($0["text"] as? [String: Any])?["text"] as? String
                }
                if !labels.isEmpty { texts.append(labels.map { "[\($0)]" }.joined(separator: " ")) }
                return
            }
            if let text = dict["text"] as? String, dict["type"] as? String != "button" { texts.append(text) }
            for key in ["text", "fields", "elements"] where !(dict[key] is String) {
                if let nested = dict[key] { collect(nested, into: &texts) }
            }
        }
    }
}
