import Foundation

/// A deploy whose rollout is being watched: what was pushed and when each stage began.
public struct WatchedDeploy: Sendable, Hashable, Codable {
    public var deployId: String
    /// The GitOps commit that carries the deploy (full sha).
    public var commit: String
    /// The GitOps branch Flux follows, e.g. `main`.
    public var branch: String
    /// The image reference the Deployment must run, `<image>:<tag>`, e.g. `ghcr.io/nortinia-ltd/shop:main-5394cb7`.
    public var expectedImage: String
    /// When watching began (the commit was pushed); rollout timeouts count from here.
    public var startedAt: Date
    /// When the rollout was first seen complete; the stability window counts from here. The caller persists it
    /// the first time an assessment answers `.rolledOut`.
    public var rolledOutAt: Date?

    public init(
        deployId: String, commit: String, branch: String, expectedImage: String, startedAt: Date,
        rolledOutAt: Date? = nil
    ) {
        self.deployId = deployId
        self.commit = commit
        self.branch = branch
        self.expectedImage = expectedImage
        self.startedAt = startedAt
        self.rolledOutAt = rolledOutAt
    }
}
