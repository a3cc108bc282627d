import Foundation

extension Kubeconfig {
    /// Reads and parses a kubeconfig file.
    /// - Parameters:
    ///   - file: Its path.
    ///   - configPath: `clusters.<name>.kubeconfig`, for messages.
    /// - Throws: `KubernetesError` (configuration): unreadable, not YAML (with line and column), not a kubeconfig.
    static func load(_ file: String, configPath: String) throws -> Kubeconfig {
        guard FileManager.default.isReadableFile(atPath: file) else {
            throw KubernetesError.configuration("\(configPath): \(file) cannot be read; check the path and permissions")
        }
        throw KubernetesError.configuration(
            "\(configPath): kubeconfig files are read with libyaml (SlipwayYAML), which this build does not have yet")
    }
}
