import Foundation

/// Reads and validates a configuration, reporting the first problem with its JSON path. Each section is read by
/// its own type (`SlipwayConfig.Server+ConfigReader.swift`, …) through a `ConfigReader`.
public enum ConfigLoader {
    /// Parses configuration JSON.
    /// - Throws: `ConfigError` naming the JSON path and the problem, e.g.
    ///   `services.shop.environments.prod.promoteFrom: no environment "stagin" (did you mean "staging"?)`.
    public static func parse(_ data: Data) throws(ConfigError) -> SlipwayConfig {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            throw ConfigError(path: "", problem: "not valid JSON (\(jsonErrorSummary(error)))")
        }
        return try SlipwayConfig(reading: ConfigReader(value: root, path: ""))
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(ConfigError) -> SlipwayConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: "", problem: "cannot read config file \(path); check the path and permissions")
        }
        return try parse(data)
    }

    private static func jsonErrorSummary(_ error: any Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "parse error"
    }
}
