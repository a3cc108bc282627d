import DeployCore
import Foundation
import SlipwayTesting
import Testing

/// docs/configuration.md documents every key the loader accepts: the loader's own key lists (`ConfigKeys`, which
/// each section's reader checks its object against) are held to the document's table.
@Suite("Configuration reference: every accepted key is documented")
struct ConfigDocsTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The JSON paths in the first column of the document's tables: `| \`server.port\` | …`.
    static func documentedPaths() throws -> Set<String> {
        let text = try String(contentsOfFile: "\(repositoryRoot)/docs/configuration.md", encoding: .utf8)
        var paths: Set<String> = []
        for line in text.split(separator: "\n") {
            guard let match = line.firstMatch(of: /^\| `([^`]+)` \|/) else { continue }
            paths.insert(String(match.1))
        }
        return paths
    }

    @Test("every key the loader accepts has a row in docs/configuration.md")
    func everyAcceptedKeyIsDocumented() throws {
        let documented = try Self.documentedPaths()
        #expect(documented.count > 20, "no field table found in docs/configuration.md")
        let missing = ConfigKeys.paths.filter { !documented.contains($0) }
        #expect(
            missing.isEmpty,
            "docs/configuration.md has no row for \(missing.joined(separator: ", ")); add `| \\`path\\` | type | default | meaning |`"
        )
    }

    @Test(
        "the key lists are the loader's: a key outside them is refused where it is, every key of real configs is in them"
    )
    func keyListsAreTheLoaders() throws {
        let example = try Data(contentsOf: URL(fileURLWithPath: "\(Self.repositoryRoot)/Config/slipway.example.json"))
        let harness = try JSONSerialization.data(
            withJSONObject: SlipwayHarness.configJSON(
                remote: "/tmp/r.git", checkout: "/tmp/c", slackURL: "http://127.0.0.1:9",
                pagerDutyURL: "http://127.0.0.1:9", store: ["postgres": ["urlEnv": "DATABASE_URL"]]))
        let accepted = Set(ConfigKeys.paths)
        for data in [example, harness] {
            _ = try ConfigLoader.parse(data)
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for path in Self.keyPaths(json) {
                #expect(accepted.contains(path), "the loader accepted \(path), which ConfigKeys does not list")
            }
        }

        // An unknown key in each object listed is refused with its path: these lists are what the loader checks.
        let base = try #require(try JSONSerialization.jsonObject(with: harness) as? [String: Any])
        for (path, _) in ConfigKeys.objects {
            let concrete = path.replacingOccurrences(of: "<service>", with: "shop")
                .replacingOccurrences(of: "<env>", with: "prod").replacingOccurrences(of: "<cluster>", with: "east")
            var json = base
            if concrete == "store.sqlite" { json["store"] = ["sqlite": ["path": "/tmp/s.sqlite"]] }
            Self.insert(&json, at: concrete.split(separator: ".").map(String.init), key: "notAKey")
            let error = #expect(throws: ConfigError.self, "\(path)") {
                try ConfigLoader.parse(JSONSerialization.data(withJSONObject: json))
            }
            #expect(error?.path == (concrete.isEmpty ? "notAKey" : "\(concrete).notAKey"))
            #expect(error?.problem.hasPrefix("unknown field") == true)
        }
    }

    @Test("every reader takes its keys from ConfigKeys, so the documentation check sees them")
    func readersUseConfigKeys() throws {
        let directory = "\(Self.repositoryRoot)/Sources/DeployCore/Config"
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            #expect(
                !text.contains(#"allowed: [""#),
                "\(file) lists accepted keys inline; declare them in ConfigKeys.swift (objects) instead")
        }
    }

    /// Every key path in a config, keys the user chooses replaced by `<service>`, `<env>`, `<email>`.
    static func keyPaths(_ json: [String: Any], prefix: String = "") -> [String] {
        var paths: [String] = []
        for (key, value) in json {
            let name: String
            switch prefix {
            case "services": name = "<service>"
            case "people": name = "<email>"
            case "clusters": name = "<cluster>"
            case let p where p.hasPrefix("services.") && p.hasSuffix(".environments"): name = "<env>"
            default: name = key
            }
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            paths.append(path)
            if let object = value as? [String: Any] { paths += keyPaths(object, prefix: path) }
        }
        return paths
    }

    static func insert(_ json: inout [String: Any], at path: [String], key: String) {
        guard let first = path.first, !first.isEmpty else {
            json[key] = "x"
            return
        }
        var child = json[first] as? [String: Any] ?? [:]
        insert(&child, at: Array(path.dropFirst()), key: key)
        json[first] = child
    }
}
