import DeployCore
import Foundation

/// Flux's helm-controller in the fake cluster. A linked Flux Kustomization applies a HelmRelease file of a real bare
/// git repository: on a new `reconcile.fluxcd.io/requestedAt` it records the branch head as applied and, when the
/// image tag at the file's `spec.values.image.tag` changed, gives the HelmRelease a new generation. The next read of
/// the HelmRelease releases it as the test scripted: an upgrade that succeeds (Released/Ready True, a `deployed`
/// history entry, the Deployment rolled out to the new tag), or one that fails and is remediated by a rollback
/// (Released False UpgradeFailed, Remediated True RollbackSucceeded, Ready False, Stalled RetriesExceeded; the
/// Deployment keeps its image). Status fields and messages follow helm.toolkit.fluxcd.io/v2.
struct FakeHelmController {
    struct Link {
        var fluxNamespace: String
        var kustomization: String
        var gitDirectory: String
        var branch: String
        var path: String
        var namespace: String
        var name: String
        var chart: String
        var chartVersion: String
        var workloadNamespace: String
        var deployment: String
        var image: String
    }

    private var links: [String: Link] = [:]  // "<fluxNamespace>/<kustomization>"
    private var outcomes: [String: FakeKubernetes.HelmOutcome] = [:]  // "<namespace>/<name>"
    /// HelmReleases with a generation not released yet, and the reads left until helm-controller is done.
    private var pending: [String: Int] = [:]

    mutating func link(_ link: Link, objects: inout KubernetesObjects) {
        links["\(link.fluxNamespace)/\(link.kustomization)"] = link
        let tag = Self.currentTag(link) ?? "unknown"
        objects.store(
            "helmreleases", link.namespace, link.name,
            [
                "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": ["name": link.name, "namespace": link.namespace, "generation": 1],
                "spec": [
                    "interval": "10m", "releaseName": link.name,
                    "chart": ["spec": ["chart": link.chart, "version": link.chartVersion]],
                    "upgrade": ["remediation": ["retries": 0, "strategy": "rollback"]],
                    "values": ["image": ["repository": link.image, "tag": tag]],
                ],
                "status": [
                    "observedGeneration": 1, "lastAttemptedGeneration": 1, "lastAttemptedRevision": link.chartVersion,
                    "lastAttemptedReleaseAction": "install",
                    "history": [Self.snapshot(link, version: 1, status: "deployed")],
                    "conditions": [
                        Self.condition("Ready", true, "InstallSucceeded", Self.succeeded(link, "install", 1), 1),
                        Self.condition("Released", true, "InstallSucceeded", Self.succeeded(link, "install", 1), 1),
                    ],
                ],
            ])
    }

    mutating func script(namespace: String, name: String, outcome: FakeKubernetes.HelmOutcome) {
        outcomes["\(namespace)/\(name)"] = outcome
    }

    /// The linked Kustomization was asked to reconcile: apply the branch head's HelmRelease.
    mutating func reconcileKustomization(namespace: String, name: String, objects: inout KubernetesObjects) {
        guard let link = links["\(namespace)/\(name)"],
            let branchHead = FakeFlux.head(gitDirectory: link.gitDirectory, branch: link.branch),
            FakeFlux.markApplied(namespace: namespace, name: name, revision: branchHead.revision, objects: &objects)
        else { return }
        let head = branchHead.commit

        guard let tag = Self.currentTag(link, at: head),
            var release = objects[plural: "helmreleases", namespace: link.namespace, name: link.name],
            KubernetesObjects.string(release, "spec", "values", "image", "tag") != tag
        else { return }
        let generation = (KubernetesObjects.value(release, path: ["metadata", "generation"]) as? Int ?? 1) + 1
        KubernetesObjects.setValue(&release, path: ["metadata", "generation"], generation)
        KubernetesObjects.setValue(&release, path: ["spec", "values", "image", "tag"], tag)
        var conditions = (KubernetesObjects.value(release, path: ["status", "conditions"]) as? [[String: Any]]) ?? []
        conditions.removeAll { ($0["type"] as? String) == "Ready" }
        conditions.insert(
            Self.condition("Ready", nil, "Progressing", "Running 'upgrade' action with timeout of 5m0s", generation),
            at: 0)
        conditions.insert(
            Self.condition(
                "Reconciling", true, "Progressing", "Running 'upgrade' action with timeout of 5m0s",
                generation), at: 0)
        KubernetesObjects.setValue(&release, path: ["status", "conditions"], conditions)
        KubernetesObjects.setValue(&release, path: ["status", "lastAttemptedGeneration"], generation)
        KubernetesObjects.setValue(&release, path: ["status", "lastAttemptedReleaseAction"], "upgrade")
        objects.bumpVersion(&release)
        objects[plural: "helmreleases", namespace: link.namespace, name: link.name] = release
        pending["\(link.namespace)/\(link.name)"] = 1
    }

    /// A read of the HelmRelease: a pending generation is released (or fails) now.
    mutating func advance(
        namespace: String, name: String, objects: inout KubernetesObjects, controller: inout FakeRolloutController
    ) {
        let key = "\(namespace)/\(name)"
        if let left = pending[key], left > 0 {
            pending[key] = left - 1
            return
        }
        guard pending[key] != nil, let link = links.values.first(where: { "\($0.namespace)/\($0.name)" == key }),
            var release = objects[plural: "helmreleases", namespace: namespace, name: name]
        else { return }
        pending[key] = nil
        let handled = KubernetesObjects.string(release, "status", "lastHandledReconcileAt")
        let generation = KubernetesObjects.value(release, path: ["metadata", "generation"]) as? Int ?? 1
        let tag = KubernetesObjects.string(release, "spec", "values", "image", "tag") ?? ""
        var history = (KubernetesObjects.value(release, path: ["status", "history"]) as? [[String: Any]]) ?? []
        let version = (history.first?["version"] as? Int ?? 0) + 1
        switch outcomes[key] ?? .succeed {
        case .succeed:
            if !history.isEmpty { history[0]["status"] = "superseded" }
            history.insert(Self.snapshot(link, version: version, status: "deployed"), at: 0)
            let message = Self.succeeded(link, "upgrade", version)
            release["status"] = [
                "observedGeneration": generation, "lastAttemptedGeneration": generation,
                "lastAttemptedRevision": link.chartVersion, "lastAttemptedReleaseAction": "upgrade",
                "history": history,
                "conditions": [
                    Self.condition("Ready", true, "UpgradeSucceeded", message, generation),
                    Self.condition("Released", true, "UpgradeSucceeded", message, generation),
                ],
            ]
            controller.startRollout(
                namespace: link.workloadNamespace, deployment: link.deployment, image: "\(link.image):\(tag)",
                outcome: controller.outcome(namespace: link.workloadNamespace, deployment: link.deployment),
                objects: &objects)
        case .upgradeFails(let error):
            let failed =
                "Helm upgrade failed for release \(link.namespace)/\(link.name) with chart "
                + "\(link.chart)@\(link.chartVersion): \(error)"
            let rollback =
                "Helm rollback to previous release \(link.namespace)/\(link.name).v\(version - 1) with "
                + "chart \(link.chart)@\(link.chartVersion) succeeded"
            history.insert(Self.snapshot(link, version: version, status: "failed"), at: 0)
            release["status"] = [
                "observedGeneration": generation, "lastAttemptedGeneration": generation,
                "lastAttemptedRevision": link.chartVersion, "lastAttemptedReleaseAction": "upgrade",
                "failures": 1, "upgradeFailures": 1, "history": history,
                "conditions": [
                    Self.condition(
                        "Stalled", true, "RetriesExceeded",
                        "Failed to upgrade after 1 attempt(s)", generation),
                    Self.condition("Ready", false, "RollbackSucceeded", rollback, generation),
                    Self.condition("Released", false, "UpgradeFailed", failed, generation),
                    Self.condition("Remediated", true, "RollbackSucceeded", rollback, generation),
                ],
            ]
        }
        if let handled { KubernetesObjects.setValue(&release, path: ["status", "lastHandledReconcileAt"], handled) }
        objects.bumpVersion(&release)
        objects[plural: "helmreleases", namespace: namespace, name: name] = release
    }

    /// The HelmRelease was asked to reconcile: record the request as handled.
    func reconcileRequested(namespace: String, name: String, token: String, objects: inout KubernetesObjects) {
        guard var release = objects[plural: "helmreleases", namespace: namespace, name: name] else { return }
        KubernetesObjects.setValue(&release, path: ["status", "lastHandledReconcileAt"], token)
        objects.bumpVersion(&release)
        objects[plural: "helmreleases", namespace: namespace, name: name] = release
    }

    /// The `tag:` under `image:` in the HelmRelease file's values (the fake's own line reader; Slipway's editor is
    /// what the tests exercise).
    static func currentTag(_ link: Link, at revision: String? = nil) -> String? {
        guard
            let file = FakeFlux.git(
                ["--git-dir", link.gitDirectory, "show", "\(revision ?? "refs/heads/\(link.branch)"):\(link.path)"])
        else { return nil }
        var inImage = false
        var imageIndent = 0
        for raw in file.split(separator: "\n") {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
                ?? ""
            let indent = line.prefix { $0 == " " }.count
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed == "image:" {
                inImage = true
                imageIndent = indent
                continue
            }
            if inImage && indent <= imageIndent { inImage = false }
            if inImage, trimmed.hasPrefix("tag:") {
                return trimmed.dropFirst(4).trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
        }
        return nil
    }

    static func condition(_ type: String, _ status: Bool?, _ reason: String, _ message: String, _ generation: Int)
        -> [String: Any]
    {
        [
            "type": type, "status": status.map { $0 ? "True" : "False" } ?? "Unknown", "reason": reason,
            "message": message, "observedGeneration": generation, "lastTransitionTime": K8s.Timestamp.format(Date()),
        ]
    }

    static func succeeded(_ link: Link, _ action: String, _ version: Int) -> String {
        "Helm \(action) succeeded for release \(link.namespace)/\(link.name).v\(version) with chart "
            + "\(link.chart)@\(link.chartVersion)"
    }

    static func snapshot(_ link: Link, version: Int, status: String) -> [String: Any] {
        [
            "name": link.name, "namespace": link.namespace, "version": version, "status": status,
            "chartName": link.chart, "chartVersion": link.chartVersion, "appVersion": link.chartVersion,
            "lastDeployed": K8s.Timestamp.format(Date()),
        ]
    }
}

extension FakeKubernetes {
    /// How helm-controller's next release of a HelmRelease ends.
    public enum HelmOutcome: Sendable, Equatable {
        /// The upgrade succeeds and the Deployment rolls out the new tag.
        case succeed
        /// The upgrade fails with this error and Flux rolls the release back (remediation strategy rollback).
        case upgradeFails(String)
    }

    /// Adds a Flux Kustomization (and GitRepository when missing) that applies a HelmRelease file, and the HelmRelease
    /// itself as installed from the file's current tag.
    public func linkHelmRelease(
        fluxNamespace: String = "flux-system", kustomization: String, gitRepository: String, gitDirectory: String,
        branch: String = "main", path: String, namespace: String, name: String, chart: String = "shop",
        chartVersion: String = "1.4.2", workloadNamespace: String, deployment: String, image: String
    ) {
        let revision = FakeFlux.head(gitDirectory: gitDirectory, branch: branch)?.revision
        cluster.withLock { cluster in
            FakeFlux.seed(
                namespace: fluxNamespace, kustomization: kustomization, gitRepository: gitRepository,
                url: "file://" + gitDirectory, branch: branch, path: path,
                revision: revision, objects: &cluster.objects)
            cluster.helm.link(
                FakeHelmController.Link(
                    fluxNamespace: fluxNamespace, kustomization: kustomization, gitDirectory: gitDirectory,
                    branch: branch, path: path, namespace: namespace, name: name, chart: chart,
                    chartVersion: chartVersion, workloadNamespace: workloadNamespace, deployment: deployment,
                    image: image), objects: &cluster.objects)
        }
    }

    /// Sets how the HelmRelease's next release ends (default `.succeed`).
    public func scriptHelmRelease(namespace: String, name: String, outcome: HelmOutcome) {
        cluster.withLock { $0.helm.script(namespace: namespace, name: name, outcome: outcome) }
    }
}
