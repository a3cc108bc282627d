import DeployCore
import Foundation
import SlipwayGitOps
import Synchronization

/// The image each committed deploy makes its workload run, as the edited GitOps file says: a kustomization entry
/// that renames (`newName: registry.internal/mirror/shop`, a registry mirror) produces that name with the tag, not
/// the service's configured image. The rollout watch expects this image, so a mirrored environment goes green.
///
/// The deploy worker records each commit's result here; after a restart (or on another replica) the image is read
/// from the file at the deploy's commit once, and remembered.
public final class ProducedImages: Sendable {
    private let gitops: GitOpsRepository?
    private let known = Mutex<[String: String]>([:])

    /// - Parameter gitops: where to read the file at a deploy's commit when this process did not commit it; nil
    ///   falls back to the service's image.
    public init(gitops: GitOpsRepository? = nil) {
        self.gitops = gitops
    }

    /// Remembers what a commit produces.
    public func record(deployId: String, producedImage: String) {
        known.withLock { $0[deployId] = producedImage }
    }

    /// Forgets deploys no longer watched.
    public func retain(deployIds: Set<String>) {
        known.withLock { images in images = images.filter { deployIds.contains($0.key) } }
    }

    /// The image reference (`name:tag`) the watch must find in the workload for `deploy`.
    public func expectedImage(for deploy: Deploy, service: ServiceEntry, environment: EnvironmentEntry) async -> String
    {
        if let image = known.withLock({ $0[deploy.id] }) { return image }
        let fallback = "\(service.image):\(deploy.targetTag)"
        guard let gitops, let commit = deploy.gitCommit else { return fallback }
        let read: String?
        do {
            read = try await gitops.producedImage(
                file: environment.kustomization, image: service.image, tagPath: environment.helmRelease?.tagPath,
                commit: commit)
        } catch {
            return fallback  // git is unavailable just now: asked again at the next poll
        }
        // The file at the commit names the deploy's tag; anything else (a file rewritten since) is not this deploy's.
        let image = read.flatMap { $0.hasSuffix(":\(deploy.targetTag)") ? $0 : nil } ?? fallback
        known.withLock { $0[deploy.id] = image }
        return image
    }
}
