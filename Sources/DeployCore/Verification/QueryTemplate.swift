import Foundation

/// The `$variables` a verification query may use, checked when the configuration is loaded and filled in for each
/// sample.
public enum QueryTemplate {
    /// Every variable a query may name.
    public static let variables = ["service", "environment", "namespace", "workload", "tag", "interval", "track"]

    /// The variables `text` names, in order of appearance (`$service` → `service`).
    public static func names(in text: String) -> [String] {
        var found: [String] = []
        var index = text.startIndex
        while let dollar = text[index...].firstIndex(of: "$") {
            var end = text.index(after: dollar)
            while end < text.endIndex, text[end].isASCII, text[end].isLetter || text[end].isNumber || text[end] == "_" {
                end = text.index(after: end)
            }
            let name = String(text[text.index(after: dollar)..<end])
            if !name.isEmpty { found.append(name) }
            index = end
        }
        return found
    }

    /// The first variable of `text` that is not one of `variables`, if any.
    public static func unknownVariable(in text: String) -> String? {
        names(in: text).first { !variables.contains($0) }
    }

    /// `text` with every known `$variable` replaced by its value. Longer names are replaced first, so `$tag` never
    /// eats part of a longer name.
    public static func expand(_ text: String, _ values: [String: String]) -> String {
        var out = text
        for name in values.keys.sorted(by: { $0.count > $1.count }) {
            out = out.replacingOccurrences(of: "$" + name, with: values[name]!)
        }
        return out
    }

    /// `30s`, `2m`, `90s`: a Prometheus range duration of `seconds` (at least one second).
    public static func duration(_ seconds: Double) -> String {
        let whole = max(1, Int(seconds.rounded(.up)))
        return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole)s"
    }
}
