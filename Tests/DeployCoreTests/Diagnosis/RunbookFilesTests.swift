import DeployCore
import Foundation
import Testing

@Suite("Runbooks")
struct RunbookFilesTests {
    /// One of every cause; the switch makes adding a case without a runbook a compile error here.
    static let everyCause: [FailureCause] = {
        let causes: [FailureCause] = [
            .memoryLimit(container: "shop", limit: "6Gi", pod: "shop-1", restarts: 4),
            .memoryRequestTooLarge(container: "shop", request: "6Gi", message: "0/3 nodes are available"),
            .missingSecret(name: "shop-db-credentials", sealedSecret: .absent),
            .missingSecret(
                name: "shop-db-credentials", sealedSecret: .notSynced(message: "no key could decrypt secret")),
            .missingSecret(name: "shop-db-credentials", sealedSecret: .synced),
            .configMapKeyTypo(key: "DATABSE_URL", configMap: "shop-config", closestKeys: ["DATABASE_URL"]),
            .missingConfigMap(name: "app-config"),
            .imagePull(image: "ghcr.io/nortinia-ltd/shop:x", message: "Back-off pulling image"),
            .crashLoop(container: "shop", exitCode: 1, message: "panic"),
            .invalidManifest(message: "kustomize build failed"),
            .timeout(stage: .reconcile, seconds: 900),
            .timeout(stage: .healthCheck, seconds: 300),
            .timeout(stage: .rollout, seconds: 600),
            .unknown(message: "?"),
            .helmRelease(
                HelmReleaseFailure(
                    release: "shop/shop", action: "upgrade", reason: "UpgradeFailed", message: "Helm upgrade failed",
                    remediation: "RollbackSucceeded")),
            .helmRelease(
                HelmReleaseFailure(release: "shop/shop", action: "install", reason: "InstallFailed", message: "x")),
        ]
        for cause in causes {
            switch cause {
            case .memoryLimit, .memoryRequestTooLarge, .missingSecret, .configMapKeyTypo, .missingConfigMap, .imagePull,
                .crashLoop, .invalidManifest, .timeout, .unknown, .helmRelease:
                break
            }
        }
        return causes
    }()

    static var runbooksFolder: URL {
        // Tests/DeployCoreTests/Diagnosis/RunbookFilesTests.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("runbooks")
    }

    @Test(arguments: everyCause)
    func runbookExistsAndShowsTheSymptom(cause: FailureCause) throws {
        let file = Self.runbooksFolder.appendingPathComponent(cause.runbook)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains(cause.title), "\(cause.runbook) should quote the title \"\(cause.title)\"")
        for heading in ["## Symptoms", "## Confirm", "## Fix", "## Roll back", "## Prevent"] {
            #expect(text.contains(heading), "\(cause.runbook) lacks \(heading)")
        }
        #expect(text.contains("/rollback"))
        if let section = cause.runbookSection {
            // GitHub's anchor for "## Missing ConfigMap" is #missing-configmap.
            let anchors = text.split(separator: "\n").filter { $0.hasPrefix("#") }.map { line in
                line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
                    .replacingOccurrences(of: " ", with: "-")
                    .filter { $0.isLetter || $0.isNumber || $0 == "-" }
            }
            #expect(anchors.contains(section), "\(cause.runbook) lacks a heading for #\(section)")
        }
    }
}
