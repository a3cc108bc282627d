/// TEMPORARY stub of helper 16a's `HelmReleaseRef` (config and file edit are 16a's), so the cluster side builds
/// against the agreed names; dropped when 16a's branch is merged.
public struct HelmReleaseRef: Sendable, Hashable {
    public var file: String
    public var tagPath: String
    public var namespace: String
    public var name: String

    public init(file: String, tagPath: String = "spec.values.image.tag", namespace: String, name: String) {
        self.file = file
        self.tagPath = tagPath
        self.namespace = namespace
        self.name = name
    }
}
