import DeployCore
import Foundation
import SlipwayHTTP
import SlipwayKubernetes
import SlipwaySubprocess
import SlipwayTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// TLS client authentication to an API server, through libcurl: a real TLS server on loopback (`openssl s_server`,
/// which demands a client certificate signed by its CA) is reached with the certificate from files
/// (`clusters.<name>.clientCertFile`) and from a kubeconfig's `*-data` fields (in memory), and refused without one.
@Suite("Cluster client certificates over TLS", .serialized, .harnessScope)
struct ClusterClientCertificateTests {
    /// A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl command.
    static func makeCertificates(in dir: String) throws {
        func openssl(_ arguments: [String]) throws {
            let result = try Subprocess.run("openssl", arguments, mergeStandardError: true)
            guard result.status == 0 else {
                throw OpenSSLError(description: "openssl \(arguments.first ?? ""): \(result.stdout)")
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + ec + [
                "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "1", "-subj", "/CN=test-ca",
            ])
        try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/san.ext"))
        for (name, subject) in [("server", "/CN=127.0.0.1"), ("client", "/CN=slipway")] {
            try openssl(
                ["req"] + ec + ["-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr", "-subj", subject])
            var sign = [
                "x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                "-CAcreateserial", "-out", "\(dir)/\(name).pem", "-days", "1",
            ]
            if name == "server" { sign += ["-extfile", "\(dir)/san.ext"] }
            try openssl(sign)
        }
    }

    /// A free loopback port (bound, then released for the server to take).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test(
        "a client certificate from files, or from a kubeconfig's *-data, is presented; without one the server refuses")
    func clientCertificate() async throws {
        let dir = NSTemporaryDirectory() + "slipway-mtls-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TestScope.removeOnExit(dir)
        try Self.makeCertificates(in: dir)
        let port = Self.freePort()
        let server = try Subprocess.start(
            "openssl",
            [
                "s_server", "-accept", "127.0.0.1:\(port)", "-www", "-cert", "\(dir)/server.pem", "-key",
                "\(dir)/server.key", "-CAfile", "\(dir)/ca.pem", "-Verify", "1", "-quiet",
            ])
        TestScope.onExit {
            server.send(SIGTERM)
            server.waitUntilExit()
        }
        let url = "https://127.0.0.1:\(port)/"

        // clusters.<name> with files.
        let files = try KubernetesConfiguration.resolve(
            cluster: .init(
                source: .apiServer("https://127.0.0.1:\(port)"), caFile: "\(dir)/ca.pem",
                clientCertFile: "\(dir)/client.pem", clientKeyFile: "\(dir)/client.key"),
            name: "east", environment: [:])
        let client = CurlHTTPClient(tls: files.tlsOptions)
        var answer: HTTPResponse?
        for _ in 0..<50 where answer == nil {
            answer = try? client.send(HTTPClientRequest(method: .get, url: url, headers: [:], timeout: 5))
            if answer == nil { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(answer?.status == 200, "the server accepted the client certificate from files")

        // A kubeconfig whose CA, certificate and key are inline (*-data): handed to libcurl in memory.
        func base64(_ file: String) throws -> String {
            try Data(contentsOf: URL(fileURLWithPath: file)).base64EncodedString()
        }
        try Data(
            """
            apiVersion: v1
            kind: Config
            current-context: east
            clusters: [{name: east, cluster: {server: "https://127.0.0.1:\(port)", certificate-authority-data: \(try base64("\(dir)/ca.pem"))}}]
            users: [{name: slipway, user: {client-certificate-data: \(try base64("\(dir)/client.pem")), client-key-data: \(try base64("\(dir)/client.key"))}}]
            contexts: [{name: east, context: {cluster: east, user: slipway}}]
            """.utf8
        ).write(to: URL(fileURLWithPath: "\(dir)/kubeconfig"))
        let inline = try KubernetesConfiguration.resolve(
            cluster: .init(source: .kubeconfig(path: "\(dir)/kubeconfig", context: nil)), name: "east", environment: [:]
        )
        #expect(inline.caFile == nil && inline.clientCertFile == nil)
        let fromKubeconfig = try CurlHTTPClient(tls: inline.tlsOptions).send(
            HTTPClientRequest(method: .get, url: url, headers: [:], timeout: 5))
        #expect(fromKubeconfig.status == 200, "the server accepted the in-memory client certificate")

        // The same CA without a client certificate: the server ends the handshake.
        #expect(throws: HTTPClientError.self) {
            try CurlHTTPClient(tls: TLSOptions(caFile: "\(dir)/ca.pem")).send(
                HTTPClientRequest(method: .get, url: url, headers: [:], timeout: 5))
        }
        let again = try client.send(HTTPClientRequest(method: .get, url: url, headers: [:], timeout: 5))
        #expect(again.status == 200, "the refusal was the missing certificate's: the server still serves")
    }
}

struct OpenSSLError: Error, CustomStringConvertible {
    var description: String
}
