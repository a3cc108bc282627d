/// The result of setting an image's tag in a kustomization's text.
public struct KustomizationImageEdit: Sendable, Hashable {
    /// The `newTag:` value before the edit; nil when the entry had none.
    public let oldTag: String?
    /// The tag the entry now names.
    public let newTag: String
    /// The whole file after the edit: byte for byte the input except for the tag.
    public let text: String

    /// Whether the text changed; false when the entry already named `newTag`.
    public var changed: Bool { oldTag != newTag }

    /// Creates an edit result.
    public init(oldTag: String?, newTag: String, text: String) {
        self.oldTag = oldTag
        self.newTag = newTag
        self.text = text
    }
}
