import DeployCore

extension KubernetesResource where Object == K8s.HelmRelease {
    /// Flux HelmReleases (helm.toolkit.fluxcd.io/v2).
    public static var helmReleases: Self {
        .init(group: "helm.toolkit.fluxcd.io", version: "v2", plural: "helmreleases")
    }
}

extension KubernetesResource where Object == K8s.Job {
    public static var jobs: Self { .init(group: "batch", version: "v1", plural: "jobs") }
}

extension KubernetesResource where Object == K8s.ImageUpdateAutomation {
    /// Flux ImageUpdateAutomations of an API version, e.g. `image.toolkit.fluxcd.io/v1`.
    public static func imageUpdateAutomations(apiVersion: String) -> Self {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        return .init(
            group: parts.first ?? "image.toolkit.fluxcd.io", version: parts.count > 1 ? parts[1] : "v1",
            plural: "imageupdateautomations")
    }
}
