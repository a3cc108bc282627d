import Foundation

/// One deploy's change to the GitOps repository: set `image`'s `newTag:` in `file`.
public struct ImageTagChange: Sendable, Hashable {
    /// The kustomization.yaml, relative to the repository root (`clusters/prod/shop/kustomization.yaml`).
    public var file: String
    /// The image whose entry to change (`ghcr.io/nortinia-ltd/shop`).
    public var image: String
    /// The tag to deploy (`main-5d6e7f8`).
    public var newTag: String
    /// The service, for the commit subject (`shop`).
    public var service: String
    /// The environment, for the commit subject (`prod`).
    public var environment: String
    /// The deploy's id, recorded as the `Slipway-Deploy-Id:` trailer.
    public var deployId: String
    /// Who asked, as shown to people: `@dana (U0DANA)` or `ci`.
    public var requestedBy: String
    /// The application commit the image was built from, recorded as `Source-Commit:` when known.
    public var sourceCommit: String?
    /// An optional line for the commit body (`Rollback to the last known good tag.`).
    public var note: String?
    /// For a HelmRelease environment: the dotted path of the tag in `file` (`spec.values.image.tag`); nil edits the
    /// kustomization's `images:` entry for `image`.
    public var tagPath: String?

    /// Creates a change.
    public init(
        file: String, image: String, newTag: String, service: String, environment: String, deployId: String,
        requestedBy: String, sourceCommit: String? = nil, note: String? = nil, tagPath: String? = nil
    ) {
        self.tagPath = tagPath
        self.file = file
        self.image = image
        self.newTag = newTag
        self.service = service
        self.environment = environment
        self.deployId = deployId
        self.requestedBy = requestedBy
        self.sourceCommit = sourceCommit
        self.note = note
    }

    /// The commit message for this change:
    ///
    ///     deploy(shop/prod): main-1a2b3c4 → main-5d6e7f8
    ///
    ///     Slipway-Deploy-Id: d-42
    ///     Requested-By: @dana (U0DANA)
    ///     Source-Commit: 5d6e7f8...
    ///
    /// Every field is flattened to one line, so no field can forge a trailer or another paragraph.
    /// Sets the tag in the file's text with the editor this change needs.
    func edit(_ text: String, path: String) throws(GitOpsError) -> KustomizationImageEdit {
        try Self.edit(text, path: path, image: image, tagPath: tagPath, newTag: newTag)
    }

    static func edit(_ text: String, path: String, image: String, tagPath: String?, newTag: String)
        throws(GitOpsError) -> KustomizationImageEdit
    {
        if let tagPath { return try HelmReleaseTagEditor(path: path, tagPath: tagPath).settingTag(newTag, in: text) }
        return try KustomizationImageEditor(path: path).settingTag(newTag, image: image, in: text)
    }

    /// The tag in the file's text, read with the editor a change with `tagPath` needs.
    static func currentTag(in text: String, path: String, image: String, tagPath: String?) throws(GitOpsError)
        -> String?
    {
        if let tagPath { return try HelmReleaseTagEditor(path: path, tagPath: tagPath).currentTag(in: text) }
        return try KustomizationImageEditor(path: path).currentTag(in: text, image: image)
    }

    func commitMessage(oldTag: String?) -> String {
        var message =
            "deploy(\(Self.oneLine(service))/\(Self.oneLine(environment))): "
            + "\(oldTag.map(Self.oneLine) ?? "(none)") → \(Self.oneLine(newTag))\n\n"
        if let note = note.map(Self.oneLine), !note.isEmpty { message += "\(note)\n\n" }
        message += "Slipway-Deploy-Id: \(Self.oneLine(deployId))\n"
        message += "Requested-By: \(Self.oneLine(requestedBy))\n"
        if let sourceCommit = sourceCommit.map(Self.oneLine), !sourceCommit.isEmpty {
            message += "Source-Commit: \(sourceCommit)\n"
        }
        return message
    }

    private static func oneLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        return String(scalars).trimmingCharacters(in: .whitespaces)
    }
}
