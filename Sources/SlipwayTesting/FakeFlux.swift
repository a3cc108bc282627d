import DeployCore
import Foundation
import SlipwayGitOps
import SlipwaySubprocess

/// Flux in the fake cluster: Kustomizations and GitRepositories that, on a new `reconcile.fluxcd.io/requestedAt`,
/// read the branch head of a real bare git repository, record the revision (`main@sha1:<sha>`), read the image tag
/// from the kustomization file at that commit and hand the Deployment to the rollout controller.
struct FakeFlux {
    /// What a Kustomization applies: a file in a bare repository, to one Deployment.
    struct Link {
        var namespace: String
        var kustomization: String
        var gitRepository: String
        var gitDirectory: String
        var branch: String
        var path: String
        var workloadNamespace: String
        var deployment: String
        var image: String
    }

    private var kustomizationLinks: [String: Link] = [:]  // "<namespace>/<kustomization>"
    private var sourceLinks: [String: Link] = [:]  // "<namespace>/<gitRepository>"

    /// Links a Kustomization and its GitRepository to a bare repository and seeds both objects at `revision`
    /// (`<branch>@sha1:<sha>`, nil when the branch has no commit).
    mutating func link(_ link: Link, revision: String?, objects: inout KubernetesObjects) {
        kustomizationLinks["\(link.namespace)/\(link.kustomization)"] = link
        sourceLinks["\(link.namespace)/\(link.gitRepository)"] = link
        Self.seed(
            namespace: link.namespace, kustomization: link.kustomization, gitRepository: link.gitRepository,
            url: "file://" + link.gitDirectory, branch: link.branch, path: link.path, revision: revision,
            objects: &objects)
    }

    /// Stores a Kustomization that applied `revision` (and its GitRepository when missing), as Flux leaves them.
    static func seed(
        namespace: String, kustomization: String, gitRepository: String, url: String, branch: String, path: String,
        revision: String?, objects: inout KubernetesObjects
    ) {
        var status: [String: Any] = [
            "observedGeneration": 1,
            "conditions": [
                readyCondition(true, "ReconciliationSucceeded", revision.map { "Applied revision: \($0)" } ?? "Applied")
            ],
        ]
        if let revision {
            status["lastAppliedRevision"] = revision
            status["lastAttemptedRevision"] = revision
        }
        objects.store(
            "kustomizations", namespace, kustomization,
            [
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": ["name": kustomization, "namespace": namespace, "generation": 1],
                "spec": [
                    "interval": "10m", "path": "./" + (path as NSString).deletingLastPathComponent, "prune": true,
                    "sourceRef": ["kind": "GitRepository", "name": gitRepository], "wait": true, "timeout": "5m",
                ],
                "status": status,
            ])
        if objects[plural: "gitrepositories", namespace: namespace, name: gitRepository] == nil {
            var gitStatus: [String: Any] = [
                "observedGeneration": 1, "conditions": [readyCondition(true, "Succeeded", "stored artifact")],
            ]
            if let revision { gitStatus["artifact"] = ["revision": revision] }
            objects.store(
                "gitrepositories", namespace, gitRepository,
                [
                    "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                    "metadata": ["name": gitRepository, "namespace": namespace, "generation": 1],
                    "spec": ["interval": "1m", "url": url, "ref": ["branch": branch]],
                    "status": gitStatus,
                ])
        }
    }

    /// The GitRepository was asked to reconcile: it takes the branch head as its artifact.
    func reconcileSource(namespace: String, name: String, token: String, objects: inout KubernetesObjects) {
        guard var object = objects[plural: "gitrepositories", namespace: namespace, name: name] else { return }
        var status = object["status"] as? [String: Any] ?? [:]
        status["lastHandledReconcileAt"] = token
        if let link = sourceLinks["\(namespace)/\(name)"],
            let head = Self.head(gitDirectory: link.gitDirectory, branch: link.branch)
        {
            status["artifact"] = ["revision": head.revision]
        }
        object["status"] = status
        objects.bumpVersion(&object)
        objects[plural: "gitrepositories", namespace: namespace, name: name] = object
    }

    /// The Kustomization was asked to reconcile: it applies the branch head (or fails to build, as scripted) and
    /// starts the Deployment's rollout to the image tag in the file at that commit.
    func reconcileKustomization(
        namespace: String, name: String, token: String, objects: inout KubernetesObjects,
        controller: inout FakeRolloutController
    ) {
        guard var object = objects[plural: "kustomizations", namespace: namespace, name: name] else { return }
        var status = object["status"] as? [String: Any] ?? [:]
        status["lastHandledReconcileAt"] = token
        defer {
            object["status"] = status
            objects.bumpVersion(&object)
            objects[plural: "kustomizations", namespace: namespace, name: name] = object
        }
        guard let link = kustomizationLinks["\(namespace)/\(name)"],
            let branchHead = Self.head(gitDirectory: link.gitDirectory, branch: link.branch)
        else { return }
        let (head, revision) = branchHead
        status["lastAttemptedRevision"] = revision
        let outcome = controller.outcome(namespace: link.workloadNamespace, deployment: link.deployment)
        if case .fail(.buildFailed(let message)) = outcome {
            status["conditions"] = [Self.readyCondition(false, "BuildFailed", message)]
            return
        }
        status["lastAppliedRevision"] = revision
        status["conditions"] = [Self.readyCondition(true, "ReconciliationSucceeded", "Applied revision: \(revision)")]
        let file = Self.git(["--git-dir", link.gitDirectory, "show", "\(head):\(link.path)"]) ?? ""
        if let tag = Self.newTag(of: link.image, in: file) {
            // kustomize sets the image to the entry's newName (a registry mirror) when it has one.
            let name = Self.entry(of: link.image, in: file)?["newName"] ?? link.image
            controller.startRollout(
                namespace: link.workloadNamespace, deployment: link.deployment, image: "\(name):\(tag)",
                outcome: outcome, objects: &objects)
            // Every other workload there built from the image (a worker, a StatefulSet, a DaemonSet) too.
            controller.rollOutImage(namespace: link.workloadNamespace, image: link.image, tag: tag, objects: &objects)
        }
    }

    static func readyCondition(_ ready: Bool, _ reason: String, _ message: String) -> [String: Any] {
        [
            "type": "Ready", "status": ready ? "True" : "False", "reason": reason, "message": message,
            "observedGeneration": 1, "lastTransitionTime": K8s.Timestamp.format(Date()),
        ]
    }

    /// `newTag` of the `images:` entry whose `name` (or `newName`) is `image`.
    static func newTag(of image: String, in kustomization: String) -> String? {
        entry(of: image, in: kustomization)?["newTag"]
    }

    /// The `images:` entry whose `name` (or `newName`) is `image`, key by key.
    static func entry(of image: String, in kustomization: String) -> [String: String]? {
        var entries: [[String: String]] = []
        var inImages = false
        for rawLine in kustomization.split(separator: "\n", omittingEmptySubsequences: false) {
            let line =
                rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
                ?? ""
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if !line.hasPrefix(" ") && !line.hasPrefix("-") {
                inImages = trimmed == "images:"
                continue
            }
            guard inImages else { continue }
            var field = trimmed
            if field.hasPrefix("- ") {
                entries.append([:])
                field = String(field.dropFirst(2)).trimmingCharacters(in: .whitespaces)
            }
            let parts = field.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !entries.isEmpty else { continue }
            entries[entries.count - 1][parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return entries.first { $0["name"] == image || $0["newName"] == image }
    }

    /// The head commit of `branch` in the bare repository `gitDirectory`, and Flux's name for it
    /// (`<branch>@sha1:<commit>`).
    static func head(gitDirectory: String, branch: String) -> (commit: String, revision: String)? {
        git(["--git-dir", gitDirectory, "rev-parse", "refs/heads/\(branch)"]).map { ($0, "\(branch)@sha1:\($0)") }
    }

    /// Records on the Kustomization `namespace/name` that Flux applied `revision`: attempted, applied and Ready.
    /// - Returns: whether the Kustomization exists.
    @discardableResult
    static func markApplied(namespace: String, name: String, revision: String, objects: inout KubernetesObjects)
        -> Bool
    {
        guard var kustomization = objects[plural: "kustomizations", namespace: namespace, name: name] else {
            return false
        }
        KubernetesObjects.setValue(&kustomization, path: ["status", "lastAttemptedRevision"], revision)
        KubernetesObjects.setValue(&kustomization, path: ["status", "lastAppliedRevision"], revision)
        KubernetesObjects.setValue(
            &kustomization, path: ["status", "conditions"],
            [readyCondition(true, "ReconciliationSucceeded", "Applied revision: \(revision)")])
        objects.bumpVersion(&kustomization)
        objects[plural: "kustomizations", namespace: namespace, name: name] = kustomization
        return true
    }

    static func git(_ arguments: [String]) -> String? {
        guard let result = try? Subprocess.run("git", arguments, environment: GitEnvironment.cleaned()),
            result.succeeded
        else {
            return nil
        }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
