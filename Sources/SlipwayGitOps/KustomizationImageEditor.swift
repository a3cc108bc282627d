import SlipwayYAML

/// Reads and sets an image's `newTag:` in the text of a kustomization.yaml.
///
/// The file is read whole by libyaml (every document, flow and block style, anchors, block scalars); the edit
/// replaces only the bytes of the one `newTag:` value at libyaml's marks (or adds one `newTag:` key to the entry),
/// so comments, key order, indentation, quoting style, Flux `# {"$imagepolicy": ...}` markers and CRLF line endings
/// stay exactly as they were. The result is parsed again before it is accepted.
///
/// An entry of the top-level `images:` list matches when its `name:` is the image, or when its
/// `newName:` is the image (an entry that renames, `name: shop` / `newName: ghcr.io/acme/shop`).
public struct KustomizationImageEditor: Sendable {
    /// The file's path in the GitOps repository; used only in error messages.
    public let path: String

    /// Creates an editor.
    /// - Parameter path: the file's repository-relative path, named in error messages.
    public init(path: String = "kustomization.yaml") {
        self.path = path
    }

    /// The `newTag:` of the image's entry.
    /// - Parameters:
    ///   - text: the kustomization.yaml.
    ///   - image: the image name, e.g. `ghcr.io/nortinia-ltd/shop`.
    /// - Returns: the tag, or nil when the entry has no `newTag:`.
    /// - Throws: `GitOpsError` (`.invalidYAML`, `.notAKustomization`, `.imageEntryMissing`, `.unsupportedLayout`).
    public func currentTag(in text: String, image: String) throws(GitOpsError) -> String? {
        let images = try KustomizationImages(text: text, path: path, image: image)
        let entry = try matchingEntry(in: images, image: image)
        return try tag(of: entry, image: image)
    }

    /// Sets the image's `newTag:`, changing nothing else in the file.
    /// - Parameters:
    ///   - newTag: the tag to deploy; must be a valid Docker tag.
    ///   - image: the image name, e.g. `ghcr.io/nortinia-ltd/shop`.
    ///   - text: the kustomization.yaml.
    /// - Returns: the old tag and the new text (the same text when the entry already had `newTag`), the image the
    ///   entry produces (`newName` when it renames, e.g. to a registry mirror) and its `$imagepolicy` setter.
    /// - Throws: `GitOpsError` (`.invalidTag`, `.invalidYAML`, `.notAKustomization`, `.imageEntryMissing`,
    ///   `.unsupportedLayout`).
    public func settingTag(_ newTag: String, image: String, in text: String) throws(GitOpsError)
        -> KustomizationImageEdit
    {
        try Self.validate(tag: newTag)
        let images = try KustomizationImages(text: text, path: path, image: image)
        let entry = try matchingEntry(in: images, image: image)
        let oldTag = try tag(of: entry, image: image)
        let produced = entry.value("newName") ?? entry.value("name") ?? image
        let policy = ImagePolicyMarker.find(in: images.file, lines: entry.line...entry.lastLine)
        func result(_ text: String) -> KustomizationImageEdit {
            KustomizationImageEdit(
                oldTag: oldTag, newTag: newTag, text: text, producedImage: produced, imagePolicy: policy)
        }
        if oldTag == newTag { return result(text) }

        let edited: YAMLFile
        do {
            if let scalar = entry.scalar("newTag") {
                edited = try images.file.replacingScalar(at: scalar, with: newTag)
            } else {
                edited = try insertNewTag(newTag, into: images.file, entry: entry)
            }
        } catch {
            if error.code == .notEditable { throw unsupported(entry, image: image, "newTag: \(error.problem)") }
            throw GitOpsError(yaml: error, before: false)
        }
        let readBack = try? currentTag(in: edited.text, image: image)
        guard readBack == newTag else {
            throw unsupported(entry, image: image, "the edited file would not read back newTag: \(newTag)")
        }
        return result(edited.text)
    }

    /// Whether `tag` follows the Docker tag grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    public static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                continue
            case UInt8(ascii: "."), UInt8(ascii: "-"):
                guard index > 0 else { return false }
            default:
                return false
            }
        }
        return true
    }

    /// Throws the `.invalidTag` error when `tag` is not a valid Docker tag.
    static func validate(tag: String) throws(GitOpsError) {
        guard isValidTag(tag) else {
            let shown = tag.count > 140 ? String(tag.prefix(140)) + "…" : tag
            throw GitOpsError(
                .invalidTag,
                "`\(shown)` is not a valid image tag: use 1 to 128 letters, digits, `_`, `.` or `-`, "
                    + "not starting with `.` or `-`.")
        }
    }

    // MARK: - Finding the entry

    private func matchingEntry(in images: KustomizationImages, image: String) throws(GitOpsError)
        -> KustomizationImages.Entry
    {
        let matches = images.entries.filter { $0.value("name") == image || $0.value("newName") == image }
        if matches.count > 1 {
            let lines = matches.map { String($0.line) }.joined(separator: ", ")
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) has \(matches.count) images: entries for \(image) (lines \(lines)); keep exactly one.")
        }
        guard let entry = matches.first else {
            if let unreadable = images.entries.first(where: { $0.mapping == nil }), let reason = unreadable.problem {
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) has no readable images: entry for \(image): the entry at line \(unreadable.line) cannot "
                        + "be read (\(reason)); write entries as - name: ... / newTag: ....")
            }
            throw GitOpsError(
                .imageEntryMissing,
                "\(path) has no images: entry for \(image); add one with name: \(image) and newTag: <current tag>.")
        }
        if let problem = entry.problem {
            throw unsupported(entry, image: image, problem)
        }
        if let digest = entry.value("digest"), !digest.isEmpty {
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) pins \(image) to digest \(digest) (line \(entry.scalar("digest")?.start.line ?? entry.line)), "
                    + "and kustomize ignores newTag: while digest: is set; remove the digest: line to deploy by tag.",
                file: path, line: entry.scalar("digest")?.start.line)
        }
        return entry
    }

    private func tag(of entry: KustomizationImages.Entry, image: String) throws(GitOpsError) -> String? {
        entry.value("newTag")
    }

    private func unsupported(_ entry: KustomizationImages.Entry, image: String, _ problem: String) -> GitOpsError {
        GitOpsError(
            .unsupportedLayout,
            "\(path): the images: entry for \(image) at line \(entry.line) cannot be edited safely (\(problem)); "
                + "write it as - name: ... / newTag: ....",
            file: path, line: entry.line)
    }

    // MARK: - Adding the tag

    /// Adds `newTag: <tag>` to an entry that has none: a line after the entry's last line (block style), or a
    /// `, newTag: <tag>` before the `}` (flow style). The value is quoted like the entry's name.
    private func insertNewTag(_ newTag: String, into file: YAMLFile, entry: KustomizationImages.Entry)
        throws(YAMLError) -> YAMLFile
    {
        guard let mapping = entry.mapping, let first = mapping.pairs.first, let last = mapping.pairs.last else {
            throw YAMLError(.notEditable, path: path, mark: nil, problem: "the entry has no keys")
        }
        let nameStyle = (entry.scalar("name") ?? entry.scalar("newName"))?.style ?? .plain
        let value = YAMLScalarWriter.write(
            newTag, as: nameStyle == .singleQuoted || nameStyle == .doubleQuoted ? nameStyle : .plain)
        switch mapping.style {
        case .flow:
            let point = last.value.end.offset
            return try file.replacingBytes(point..<point, with: Array(", newTag: \(value)".utf8))
        case .block:
            guard let line = file.lineBounds(entry.lastLine) else {
                throw YAMLError(.notEditable, path: path, mark: last.value.end, problem: "the entry's end is not found")
            }
            let indent = Array(repeating: UInt8(ascii: " "), count: max(0, first.key.start.column - 1))
            let newLine = indent + Array("newTag: \(value)".utf8)
            if line.end > line.contentEnd {
                return try file.replacingBytes(line.end..<line.end, with: newLine + file.lineEnding)
            }
            // The file's last line had no newline.
            return try file.replacingBytes(line.end..<line.end, with: file.lineEnding + newLine)
        }
    }
}
