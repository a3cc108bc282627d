/// A deploy's commit found on the branch by its `Slipway-Deploy-Id:` trailer, as
/// `GitOpsRepository.pushedDeploy(forDeployId:file:image:searchDepth:)` returns it.
public struct PushedDeploy: Sendable, Hashable {
    /// The commit's full sha, the revision Flux reports once it is applied.
    public var commit: String
    /// The image's `newTag:` in the commit's parent, the tag the deploy replaced; nil when the parent had no
    /// `newTag:` for the image, no such file, or no parent at all.
    public var previousTag: String?

    /// Creates a found deploy.
    public init(commit: String, previousTag: String?) {
        self.commit = commit
        self.previousTag = previousTag
    }
}
