import Foundation
import SlipwaySubprocess
import Testing

/// The Kubernetes install as a platform engineer applies it: both overlays rendered with `kubectl kustomize`,
/// validated against the Kubernetes schemas and checked for Pod Security "restricted", namespaced RBAC and a config
/// that works in a pod (`scripts/check-kubernetes.sh`; `make test` installs kubectl and kubernetes-validate).
@Suite("Kubernetes install")
struct KubernetesInstallTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("both overlays render, validate and pass the install checks; their configs listen on all addresses")
    func overlaysRenderValidateAndListenOnAllAddresses() throws {
        let configs = FileManager.default.temporaryDirectory.appendingPathComponent(
            "slipway-k8s-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: configs) }

        let script = Self.repositoryRoot.appendingPathComponent("scripts/check-kubernetes.sh").path
        let result = try Subprocess.run(
            "/bin/bash", [script, "--write-configs", configs.path], mergeStandardError: true)
        #expect(result.status == 0, "scripts/check-kubernetes.sh failed:\n\(result.stdoutText)")
        #expect(result.stdoutText.contains("single: ") && result.stdoutText.contains("ha: "), "\(result.stdoutText)")

        let example = try Self.json(at: Self.repositoryRoot.appendingPathComponent("Config/slipway.example.json"))
        for overlay in ["single", "ha"] {
            let config = try Self.json(at: configs.appendingPathComponent("\(overlay).json"))
            let server = config["server"] as? [String: Any]
            #expect(server?["host"] as? String == "0.0.0.0", "\(overlay): server is \(String(describing: server))")
            #expect(server?["adminPort"] as? Int == 9090, "\(overlay): \(String(describing: server))")
            // base/rbac.yaml is generated from the example config: the overlays must deploy the same services.
            #expect(
                NSDictionary(dictionary: config["services"] as? [String: Any] ?? [:])
                    == NSDictionary(dictionary: example["services"] as? [String: Any] ?? [:]),
                "\(overlay): services differ from Config/slipway.example.json, so base/rbac.yaml does not fit them")
        }
        let single = try Self.json(at: configs.appendingPathComponent("single.json"))
        let ha = try Self.json(at: configs.appendingPathComponent("ha.json"))
        #expect((single["store"] as? [String: Any])?["sqlite"] != nil)
        #expect(
            ((ha["store"] as? [String: Any])?["postgres"] as? [String: Any])?["urlEnv"] as? String == "DATABASE_URL")
    }

    private static func json(at url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        return try #require(
            try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(url.path) is not an object")
    }
}
