import SlipwayYAML

/// Reads and sets the image tag at a dotted path (`spec.values.image.tag`) in a Flux HelmRelease manifest or a
/// plain Helm values file (`image.tag`).
///
/// Like `KustomizationImageEditor`, the whole file is read by libyaml and only the tag scalar's bytes change, in the
/// scalar's own quoting; the result is parsed again before it is accepted. In a file of several documents, the one
/// that has the path is edited (a `kind: HelmRelease` one first).
public struct HelmReleaseTagEditor: Sendable {
    /// The file's path in the GitOps repository; used only in error messages.
    public let path: String
    /// The mapping keys leading to the tag.
    public let tagPath: [String]

    /// Creates an editor.
    /// - Parameters:
    ///   - path: the file's repository-relative path, named in error messages.
    ///   - tagPath: the dotted path to the tag, e.g. `spec.values.image.tag`.
    public init(path: String, tagPath: String) {
        self.path = path
        self.tagPath = tagPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    private var dotted: String { tagPath.joined(separator: ".") }

    /// The tag in the file; nil when the value is empty or null.
    /// - Throws: `GitOpsError` (`.invalidYAML`, `.imageEntryMissing`, `.unsupportedLayout`).
    public func currentTag(in text: String) throws(GitOpsError) -> String? {
        let (_, scalar, _) = try locate(in: text)
        return scalar.isNull ? nil : scalar.value
    }

    /// Sets the tag, changing nothing else in the file.
    /// - Returns: the old tag, the new text, the image repository next to the tag (when there is one) and the tag's
    ///   `$imagepolicy` setter.
    /// - Throws: `GitOpsError` (`.invalidTag`, `.invalidYAML`, `.imageEntryMissing`, `.unsupportedLayout`).
    public func settingTag(_ newTag: String, in text: String) throws(GitOpsError) -> KustomizationImageEdit {
        try KustomizationImageEditor.validate(tag: newTag)
        let (file, scalar, parent) = try locate(in: text)
        let oldTag = scalar.isNull ? nil : scalar.value
        let policy = ImagePolicyMarker.find(in: file, lines: scalar.start.line...scalar.end.line)
        var produced: String?
        if let repository = parent?["repository"]?.scalar, !repository.isNull {
            produced = repository.value
            if let registry = parent?["registry"]?.scalar, !registry.isNull {
                produced = registry.value + "/" + repository.value
            }
        }
        func result(_ text: String) -> KustomizationImageEdit {
            KustomizationImageEdit(
                oldTag: oldTag, newTag: newTag, text: text, producedImage: produced, imagePolicy: policy)
        }
        if oldTag == newTag { return result(text) }
        let edited: YAMLFile
        do {
            edited = try file.replacingScalar(at: scalar, with: newTag)
        } catch {
            if error.code == .notEditable {
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) line \(scalar.start.line): \(dotted) cannot be edited safely (\(error.problem)).",
                    file: path, line: scalar.start.line, column: scalar.start.column)
            }
            throw GitOpsError(yaml: error, before: false)
        }
        return result(edited.text)
    }

    /// The file, the tag scalar and the mapping that holds it.
    private func locate(in text: String) throws(GitOpsError) -> (YAMLFile, YAMLScalar, YAMLMapping?) {
        let file = try KustomizationImages.parse(text, path: path)
        let roots = file.documents.compactMap(\.root)
        var found = roots.compactMap { root in root.node(atPath: tagPath).map { (root, $0) } }
        if found.count > 1 {
            let releases = found.filter { $0.0["kind"]?.scalar?.value == "HelmRelease" }
            if !releases.isEmpty { found = releases }
        }
        guard let (root, node) = found.first else {
            let kind = roots.first?["kind"]?.scalar?.value
            let what = kind.map { "the \($0) in \(path)" } ?? path
            throw GitOpsError(
                .imageEntryMissing,
                "\(what) has no \(dotted); add the tag there (or set the environment's helmRelease.tagPath to "
                    + "where the tag is, e.g. image.tag in a values file).")
        }
        if found.count > 1 {
            let lines = found.map { String($0.1.start.line) }.joined(separator: ", ")
            throw GitOpsError(
                .unsupportedLayout, "\(path) has \(dotted) in \(found.count) documents (lines \(lines)); keep one.")
        }
        guard let scalar = node.scalar else {
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) line \(node.start.line): \(dotted) is \(node.kindDescription), not a tag.",
                file: path, line: node.start.line, column: node.start.column)
        }
        let parent = root.node(atPath: Array(tagPath.dropLast()))?.mapping
        return (file, scalar, parent)
    }
}
