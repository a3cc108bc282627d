import DeployCore
import Foundation
import SlipwayKubernetes
import SlipwayTesting
import Testing

/// A cluster given as a kubeconfig context: the file is read with libyaml, the context's server, CA and credentials
/// become the client's configuration, and what Slipway cannot use is refused with what to do.
@Suite("Kubeconfig clusters")
struct KubeconfigTests {
    static let certificate = Array("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".utf8)
    static let key = Array("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n".utf8)

    /// Writes a kubeconfig (and a CA file beside it) into a fresh folder; returns the kubeconfig's path.
    static func write(_ text: String) throws -> String {
        let directory = NSTemporaryDirectory() + "slipway-kubeconfig-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: directory + "/ca.crt"))
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/config"))
        return directory + "/config"
    }

    static let sample = """
        apiVersion: v1
        kind: Config
        current-context: east
        clusters:
        - name: east
          cluster:
            server: https://east.example:6443
            certificate-authority: ca.crt
        - name: west
          cluster: {server: "https://west.example", certificate-authority-data: \(Data(certificate).base64EncodedString())}
        - name: careless
          cluster:
            server: https://careless.example
            insecure-skip-tls-verify: true
        users:
        - name: deployer
          user:
            token: s3cr3t-token
        - name: mtls
          user:
            client-certificate-data: \(Data(certificate).base64EncodedString())
            client-key-data: \(Data(key).base64EncodedString())
        - name: plugin
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: aws
        contexts:
        - name: east
          context: {cluster: east, user: deployer}
        - name: west-admin
          context:
            cluster: west
            user: mtls
        - name: plugin
          context: {cluster: east, user: plugin}
        - name: careless
          context: {cluster: careless, user: deployer}
        """

    static func resolve(_ path: String, context: String?) throws -> KubernetesConfiguration {
        try KubernetesConfiguration.resolve(
            cluster: .init(source: .kubeconfig(path: path, context: context)), name: "east", environment: [:])
    }

    @Test("the current context: server, token, and a CA path relative to the kubeconfig's folder")
    func currentContext() throws {
        let path = try Self.write(Self.sample)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let configuration = try Self.resolve(path, context: nil)
        #expect(configuration.baseURL == "https://east.example:6443")
        #expect(configuration.token.current() == "s3cr3t-token")
        #expect(configuration.caFile == (path as NSString).deletingLastPathComponent + "/ca.crt")
        #expect(!configuration.description.contains("s3cr3t"))
    }

    @Test("a named context with *-data fields: CA, client certificate and key stay in memory, for libcurl as blobs")
    func dataFields() throws {
        let path = try Self.write(Self.sample)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let configuration = try Self.resolve(path, context: "west-admin")
        #expect(configuration.baseURL == "https://west.example")
        #expect(configuration.caPEM == Self.certificate)
        #expect(configuration.clientCertPEM == Self.certificate)
        #expect(configuration.clientKeyPEM == Self.key)
        #expect(configuration.tlsOptions.clientKeyPEM == Self.key)
        #expect(configuration.caFile == nil)
        #expect(!configuration.description.contains("PRIVATE"))
    }

    @Test(
        "what Slipway cannot use is refused with what to do",
        arguments: [
            ("nope", #"clusters.east.context: no context "nope""#),
            ("plugin", "authenticates with exec, which Slipway does not run"),
            ("careless", "sets insecure-skip-tls-verify; Slipway always verifies the API server"),
        ])
    func refused(context: String, expected: String) throws {
        let path = try Self.write(Self.sample)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let error = #expect(throws: KubernetesError.self) { try Self.resolve(path, context: context) }
        #expect(error?.description.contains(expected) == true, "\(error.map { "\($0)" } ?? "")")
        let problems = KubernetesConfiguration.problems(
            cluster: .init(source: .kubeconfig(path: path, context: context)), name: "east")
        #expect(problems.count == 1)
        #expect(problems.first?.contains(expected) == true)
    }

    @Test("a file that is not YAML is refused with its line and column; a missing file by its path")
    func notYAML() throws {
        let path = try Self.write("clusters:\n  - name: [east\n")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let error = #expect(throws: KubernetesError.self) { try Self.resolve(path, context: nil) }
        #expect(error?.description.contains(path) == true, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains("line") == true, "\(error.map { "\($0)" } ?? "")")
        let missing = KubernetesConfiguration.problems(
            cluster: .init(source: .kubeconfig(path: "/nonexistent/kubeconfig", context: nil)), name: "east")
        #expect(
            missing == [
                "clusters.east.kubeconfig: /nonexistent/kubeconfig cannot be read; check the path and permissions"
            ])
    }

    @Test("a kubeconfig cluster reaches its API server: the fake cluster answers with the kubeconfig's token")
    func reachesTheServer() async throws {
        let fake = try FakeKubernetes()
        defer { fake.stop() }
        fake.addDeployment(namespace: "shop", name: "shop", image: "ghcr.io/nortinia-ltd/shop:1", replicas: 1)
        let path = try Self.write(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: \(fake.baseURL)
            users:
            - name: slipway
              user:
                token: \(fake.token)
            contexts:
            - name: fake
              context:
                cluster: fake
                user: slipway
            current-context: fake
            """)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let client = KubernetesClient(configuration: try Self.resolve(path, context: nil))
        let list = try await client.list(.deployments, namespace: "shop")
        #expect(list.items.map(\.metadata.name) == ["shop"])
    }
}
