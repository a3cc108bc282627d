/// An environment deployed through a Flux HelmRelease: the file whose image tag Slipway edits, and the
/// HelmRelease object Flux reconciles from it.
public struct HelmReleaseRef: Sendable, Equatable {
    /// The default `tagPath`: the image tag inside a HelmRelease manifest's values.
    public static let defaultTagPath = "spec.values.image.tag"

    /// Path of the HelmRelease manifest (or a plain values file) inside the GitOps repository.
    public var file: String
    /// Dotted path of mapping keys to the tag scalar in that file: `spec.values.image.tag` in a HelmRelease,
    /// `image.tag` in a plain values file.
    public var tagPath: String
    /// Namespace of the HelmRelease object.
    public var namespace: String
    /// Name of the HelmRelease object.
    public var name: String

    /// Creates a reference.
    public init(file: String, tagPath: String = HelmReleaseRef.defaultTagPath, namespace: String, name: String) {
        self.file = file
        self.tagPath = tagPath
        self.namespace = namespace
        self.name = name
    }

    /// `tagPath` split into its keys.
    public var tagPathKeys: [String] {
        tagPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}
