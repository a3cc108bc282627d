/// The result of setting an image's tag in a kustomization's (or HelmRelease's) text.
public struct KustomizationImageEdit: Sendable, Hashable {
    /// The `newTag:` value before the edit; nil when the entry had none.
    public let oldTag: String?
    /// The tag the entry now names.
    public let newTag: String
    /// The whole file after the edit: byte for byte the input except for the tag.
    public let text: String
    /// The image name the file makes the workload run, without tag: the entry's `newName` when it renames
    /// (a registry mirror), otherwise its `name`; for a HelmRelease the `repository` next to the tag, when there
    /// is one. Nil when the file does not say.
    public let producedImage: String?
    /// The Flux image policy of a `# {"$imagepolicy": ...}` setter on the edited entry (`flux-system:shop:tag`;
    /// empty when the marker's policy cannot be read); nil when there is no setter.
    public let imagePolicy: String?

    /// Whether the text changed; false when the entry already named `newTag`.
    public var changed: Bool { oldTag != newTag }

    /// Whether Flux image automation manages the edited entry, so it may overwrite this tag.
    public var hasImagePolicySetter: Bool { imagePolicy != nil }

    /// Creates an edit result.
    public init(
        oldTag: String?, newTag: String, text: String, producedImage: String? = nil, imagePolicy: String? = nil
    ) {
        self.oldTag = oldTag
        self.newTag = newTag
        self.text = text
        self.producedImage = producedImage
        self.imagePolicy = imagePolicy
    }
}
