import Foundation
import SlipwayKubernetes
import Testing

@Suite("KubernetesConfiguration")
struct KubernetesConfigurationTests {
    private func serviceAccount(token: String = "sa-token") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try token.write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\n".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func inClusterUsesServiceEnvironmentTokenAndCA() throws {
        let directory = try serviceAccount()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try KubernetesConfiguration.resolve(
            apiServer: "in-cluster",
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: directory)
        #expect(configuration.baseURL == "https://10.96.0.1:443")
        #expect(configuration.caFile == directory + "/ca.crt")
        #expect(configuration.token.current() == "sa-token")
        #expect(configuration.token.isRefreshable)
        #expect(!configuration.description.contains("sa-token"))

        let ipv6 = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1"], serviceAccountDirectory: directory)
        #expect(ipv6.baseURL == "https://[fd00::1]:443")
    }

    @Test func inClusterOutsideAClusterSaysWhatIsMissing() {
        let error = #expect(throws: KubernetesError.self) {
            try KubernetesConfiguration.resolve(apiServer: "in-cluster", environment: [:])
        }
        #expect(error?.isConfigurationError == true)
        #expect(error?.description.contains("KUBERNETES_SERVICE_HOST is not set") == true)
    }

    @Test func urlWithTokenVariable() throws {
        let configuration = try KubernetesConfiguration.resolve(
            apiServer: "http://127.0.0.1:6443/", tokenEnv: "K8S_TOKEN", environment: ["K8S_TOKEN": "abc\n"])
        #expect(configuration.baseURL == "http://127.0.0.1:6443")
        #expect(configuration.token.current() == "abc")
        #expect(!configuration.description.contains("abc"))

        let missing = #expect(throws: KubernetesError.self) {
            try KubernetesConfiguration.resolve(
                apiServer: "https://k8s.example", tokenEnv: "K8S_TOKEN", environment: [:])
        }
        #expect(missing?.description.contains("K8S_TOKEN") == true)
        #expect(throws: KubernetesError.self) { try KubernetesConfiguration.resolve(apiServer: "k8s.example") }
        #expect(throws: KubernetesError.self) {
            try KubernetesConfiguration.resolve(apiServer: "https://k8s.example", caFile: "/nonexistent/ca.crt")
        }
    }

    @Test func tokenFileIsReadAgainWhenItChanges() throws {
        let directory = try serviceAccount(token: "one")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = BearerToken.file(directory + "/token", maxAge: 3600)
        #expect(token.current() == "one")
        // Atomic replace, as the kubelet's symlink swap: a new inode and a new modification time.
        try "two".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: directory + "/token")
        #expect(token.current() == "two")
        #expect(token.description == "token file \(directory)/token")
    }
}
