import Foundation

extension FakeKubernetes {
    /// Adds a Flux ImageUpdateAutomation (`image.toolkit.fluxcd.io/v1`), not suspended. The API server's merge
    /// patch suspends and resumes it; `imageAutomationSuspended` reads it back.
    public func addImageUpdateAutomation(namespace: String = "flux-system", name: String, suspended: Bool = false) {
        cluster.withLock { cluster in
            cluster.objects.store(
                "imageupdateautomations", namespace, name,
                [
                    "apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
                    "metadata": ["name": name, "namespace": namespace, "generation": 1],
                    "spec": [
                        "interval": "5m", "suspend": suspended,
                        "sourceRef": ["kind": "GitRepository", "name": "gitops"],
                        "git": [
                            "checkout": ["ref": ["branch": "main"]],
                            "commit": ["author": ["name": "fluxcdbot", "email": "fluxcdbot@users.noreply.github.com"]],
                            "push": ["branch": "main"],
                        ],
                        "update": ["path": "./clusters", "strategy": "Setters"],
                    ],
                    "status": ["observedGeneration": 1],
                ])
        }
    }

    /// Whether the ImageUpdateAutomation has `spec.suspend: true` (nil when it does not exist).
    public func imageAutomationSuspended(namespace: String = "flux-system", name: String) -> Bool? {
        cluster.withLock { cluster in
            cluster.objects[plural: "imageupdateautomations", namespace: namespace, name: name].map {
                KubernetesObjects.value($0, path: ["spec", "suspend"]) as? Bool ?? false
            }
        }
    }
}
