import Foundation

/// Reads one JSON value of a configuration and knows its path (`services.shop.environments.prod`), so every
/// problem is reported where it is. Each config type reads itself from one (`SlipwayConfig.Server(reading:)`).
struct ConfigReader {
    var value: Any
    /// The JSON path of `value`, empty for the root.
    var path: String

    private func join(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Checks this is an object whose keys are all known.
    func object(allowed: [String]) throws(ConfigError) -> ConfigReader {
        guard let dict = value as? [String: Any] else { throw ConfigError(path: path, problem: "must be an object") }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            let hint = Suggestion.closest(to: key, among: allowed).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw ConfigError(path: join(key), problem: "unknown field" + hint)
        }
        return self
    }

    func entries() throws(ConfigError) -> [(String, ConfigReader)] {
        guard let dict = value as? [String: Any] else { throw ConfigError(path: path, problem: "must be an object") }
        return dict.keys.sorted().map { ($0, ConfigReader(value: dict[$0]!, path: join($0))) }
    }

    func required(_ key: String) throws(ConfigError) -> ConfigReader {
        guard let dict = value as? [String: Any], let v = dict[key], !(v is NSNull) else {
            throw ConfigError(path: join(key), problem: "is required")
        }
        return ConfigReader(value: v, path: join(key))
    }

    func optional(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let dict = value as? [String: Any], let v = dict[key], !(v is NSNull) else { return nil }
        return ConfigReader(value: v, path: join(key))
    }

    func string() throws(ConfigError) -> String {
        guard let s = value as? String else { throw ConfigError(path: path, problem: "must be a string") }
        return s
    }

    func nonEmptyString() throws(ConfigError) -> String {
        let s = try string()
        if s.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ConfigError(path: path, problem: "must not be empty")
        }
        return s
    }

    func envName() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        let ok = s.utf8.allSatisfy {
            ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95
        }
        guard ok, let first = s.utf8.first, !(first >= 48 && first <= 57) else {
            throw ConfigError(
                path: path,
                problem: "must name an environment variable (letters, digits, _), not hold the secret itself")
        }
        return s
    }

    func url() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https",
            u.host != nil
        else { throw ConfigError(path: path, problem: "must be an http(s) URL, got \"\(s)\"") }
        return s.hasSuffix("/") ? String(s.dropLast()) : s
    }

    /// One of an enumeration's raw values, e.g. `"json"` for a log format.
    func choice<Choice: RawRepresentable & CaseIterable>(of _: Choice.Type) throws(ConfigError) -> Choice
    where Choice.RawValue == String {
        let text = try string()
        if let value = Choice(rawValue: text) { return value }
        let names = Choice.allCases.map(\.rawValue)
        let hint = Suggestion.closest(to: text, among: names).map { " (did you mean \"\($0)\"?)" } ?? ""
        throw ConfigError(path: path, problem: "must be one of \(names.joined(separator: ", "))" + hint)
    }

    func bool() throws(ConfigError) -> Bool {
        guard let n = value as? NSNumber, isBoolean(n) else {
            throw ConfigError(path: path, problem: "must be true or false")
        }
        return n.boolValue
    }

    func number(in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard !(value is String), let n = value as? NSNumber, !isBoolean(n) else {
            throw ConfigError(path: path, problem: "must be a number")
        }
        let d = n.doubleValue
        guard range.contains(d) else {
            throw ConfigError(
                path: path,
                problem: "must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(format(d))"
            )
        }
        return d
    }

    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let d = try number(in: Double(range.lowerBound)...Double(range.upperBound))
        // Double(Int.max) rounds up to 2^63, which passes the range check but is not an Int.
        guard d == d.rounded(), let whole = Int(exactly: d) else {
            throw ConfigError(path: path, problem: "must be a whole number")
        }
        return whole
    }

    func stringArray() throws(ConfigError) -> [String] {
        guard let items = value as? [Any] else { throw ConfigError(path: path, problem: "must be a list of strings") }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item as? String, !s.isEmpty else {
                throw ConfigError(path: "\(path)[\(i)]", problem: "must be a non-empty string")
            }
            out.append(s)
        }
        return out
    }

    func slackUserId() throws(ConfigError) -> String {
        let s = try nonEmptyString()
        guard let f = s.first, f == "U" || f == "W", s.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) })
        else {
            throw ConfigError(path: path, problem: "must be a Slack user id like U0ALICE")
        }
        return s
    }

    static func checkName(_ name: String, path: String, what: String) throws(ConfigError) {
        let ok =
            !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
        if !ok {
            throw ConfigError(
                path: path, problem: "\(what) names must be lowercase letters, digits, - or _ (they are typed in Slack)"
            )
        }
    }

    /// JSONSerialization gives booleans the Objective-C type code "c"; numbers get "i", "q" or "d".
    private func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A whole number without a fraction (`8080`, not `8080.0`); one too large for an Int as a Double (`1e+78`).
    private func format(_ d: Double) -> String { Int(exactly: d).map { String($0) } ?? String(d) }
}
