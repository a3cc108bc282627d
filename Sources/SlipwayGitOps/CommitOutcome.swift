/// What `GitOpsRepository.commitImageTag(_:)` did.
public enum CommitOutcome: Sendable, Hashable {
    /// A commit with the new tag is on the remote branch.
    /// - commit: its full 40-hex sha, the revision Flux will report once applied.
    /// - oldTag: the tag it replaced; nil when the entry had no `newTag:`.
    case committed(commit: String, oldTag: String?)
    /// The branch already deploys this tag; nothing was committed or pushed.
    case alreadyCurrent(tag: String)
}
