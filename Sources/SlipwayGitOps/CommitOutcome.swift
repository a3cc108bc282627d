/// What `GitOpsRepository.commitImageTag(_:)` did.
public enum CommitOutcome: Sendable, Hashable {
    /// A commit with the new tag is on the remote branch.
    /// - commit: its full 40-hex sha, the revision Flux will report once applied.
    /// - oldTag: the tag it replaced; nil when the entry had no `newTag:`.
    case committed(commit: String, oldTag: String?)
    /// The branch already deploys this tag; nothing was committed or pushed.
    case alreadyCurrent(tag: String)
}

/// What `GitOpsRepository.commit(_:)` did, with what the edited file says about the image.
public struct CommitResult: Sendable, Hashable {
    /// The warning shown with a pin in a file whose entry carries a Flux `$imagepolicy` setter.
    public static let imageAutomationWarning = "Flux image automation may overwrite this pin"

    /// Committed, or already current.
    public var outcome: CommitOutcome
    /// The image reference the file makes the workload run once applied, `name:tag`: the entry's `newName` (a
    /// registry mirror) or `name` with the new tag. This is what the rollout watch must expect.
    public var producedImage: String
    /// The Flux image policy named by a `# {"$imagepolicy": ...}` setter on the edited entry; nil when none.
    public var imagePolicy: String?

    /// Whether Flux image automation manages the entry, so it may overwrite this pin.
    public var hasImagePolicySetter: Bool { imagePolicy != nil }

    /// `Flux image automation may overwrite this pin (setter flux-system:shop:tag)` when there is a setter.
    public var imageAutomationWarning: String? {
        guard let imagePolicy else { return nil }
        return imagePolicy.isEmpty
            ? Self.imageAutomationWarning : "\(Self.imageAutomationWarning) (setter `\(imagePolicy)`)"
    }

    /// Creates a result.
    public init(outcome: CommitOutcome, producedImage: String, imagePolicy: String? = nil) {
        self.outcome = outcome
        self.producedImage = producedImage
        self.imagePolicy = imagePolicy
    }
}
