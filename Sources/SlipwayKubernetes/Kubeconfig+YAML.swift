import Foundation
import SlipwayYAML

extension Kubeconfig {
    /// Reads and parses a kubeconfig file with libyaml (`SlipwayYAML`).
    /// - Parameters:
    ///   - file: Its path.
    ///   - configPath: `clusters.<name>.kubeconfig`, for messages.
    /// - Throws: `KubernetesError` (configuration): unreadable, not YAML (with line and column), not a kubeconfig.
    static func load(_ file: String, configPath: String) throws -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KubernetesError.configuration("\(configPath): \(file) cannot be read; check the path and permissions")
        }
        let parsed: YAMLFile
        do {
            parsed = try YAMLFile(bytes: Array(data), path: file)
        } catch {
            throw KubernetesError.configuration("\(configPath): \(error)")
        }
        guard let root = parsed.documents.first?.root else {
            throw KubernetesError.configuration("\(configPath): \(file) is empty, not a kubeconfig")
        }
        return try Kubeconfig(tree: tree(root), file: file, configPath: configPath)
    }

    /// The node as plain values: mappings `[String: Any]` (scalar keys), sequences `[Any]`, scalars `String`.
    private static func tree(_ node: YAMLNode) -> Any {
        switch node {
        case .scalar(let scalar): return scalar.value
        case .sequence(let sequence): return sequence.items.map(tree)
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            for pair in mapping.pairs {
                guard let key = pair.key.scalar?.value else { continue }
                object[key] = tree(pair.value)
            }
            return object
        }
    }
}
