/// Reads and sets an image's `newTag:` in the text of a kustomization.yaml.
///
/// The edit is line-oriented, not a YAML round trip: only the bytes of the one `newTag:` value change
/// (or one `newTag:` key is added to the entry), so comments, key order, indentation, quoting style,
/// Flux `# {"$imagepolicy": ...}` markers and CRLF line endings stay exactly as they were.
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
    /// - Throws: `GitOpsError` (`.notAKustomization`, `.imageEntryMissing`, `.unsupportedLayout`).
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
    /// - Returns: the old tag and the new text (the same text when the entry already had `newTag`).
    /// - Throws: `GitOpsError` (`.invalidTag`, `.notAKustomization`, `.imageEntryMissing`, `.unsupportedLayout`).
    public func settingTag(_ newTag: String, image: String, in text: String) throws(GitOpsError)
        -> KustomizationImageEdit
    {
        try Self.validate(tag: newTag)
        let images = try KustomizationImages(text: text, path: path, image: image)
        let entry = try matchingEntry(in: images, image: image)
        let oldTag = try tag(of: entry, image: image)
        if oldTag == newTag { return KustomizationImageEdit(oldTag: oldTag, newTag: newTag, text: text) }

        var bytes = images.bytes
        if let scalar = entry.scalars["newTag"] {
            bytes.replaceSubrange(scalar.range, with: replacement(for: scalar, newTag: newTag, in: bytes))
        } else {
            insertNewTag(newTag, into: &bytes, entry: entry, images: images)
        }
        return KustomizationImageEdit(oldTag: oldTag, newTag: newTag, text: String(decoding: bytes, as: UTF8.self))
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
            let lines = matches.map { String(KustomizationImages.lineNumber($0.line)) }.joined(separator: ", ")
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) has \(matches.count) images: entries for \(image) (lines \(lines)); keep exactly one.")
        }
        guard let entry = matches.first else {
            let unreadable = images.entries.first {
                ($0.problem != nil || $0.unreadableKeys["name"] != nil) && $0.value("name") == nil
            }
            if let unreadable {
                let reason = unreadable.problem ?? unreadable.unreadableKeys["name"] ?? "it cannot be read"
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) has no readable images: entry for \(image): the entry at line "
                        + "\(KustomizationImages.lineNumber(unreadable.line)) cannot be read (\(reason)); "
                        + "write entries as - name: ... / newTag: ... on separate lines.")
            }
            throw GitOpsError(
                .imageEntryMissing,
                "\(path) has no images: entry for \(image); add one with name: \(image) and newTag: <current tag>.")
        }
        if let problem = entry.problem {
            throw unsupported(entry, image: image, problem)
        }
        if let digest = entry.scalars["digest"], !digest.value.isEmpty {
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) pins \(image) to digest \(digest.value) (line \(KustomizationImages.lineNumber(entry.line))), "
                    + "and kustomize ignores newTag: while digest: is set; remove the digest: line to deploy by tag.")
        }
        if entry.unreadableKeys["digest"] != nil {
            throw unsupported(entry, image: image, "digest: cannot be read")
        }
        return entry
    }

    private func tag(of entry: KustomizationImages.Entry, image: String) throws(GitOpsError) -> String? {
        if let problem = entry.unreadableKeys["newTag"] {
            throw unsupported(entry, image: image, "newTag: \(problem)")
        }
        guard let scalar = entry.scalars["newTag"], scalar.style != .empty else { return nil }
        if scalar.style == .plain && ["~", "null", "Null", "NULL"].contains(scalar.value) { return nil }
        return scalar.value
    }

    private func unsupported(_ entry: KustomizationImages.Entry, image: String, _ problem: String) -> GitOpsError {
        GitOpsError(
            .unsupportedLayout,
            "\(path): the images: entry for \(image) at line \(KustomizationImages.lineNumber(entry.line)) cannot "
                + "be edited safely (\(problem)); write it as - name: ... / newTag: ... on separate lines.")
    }

    // MARK: - Writing the tag

    /// The bytes that replace an existing `newTag:` value, in the value's own quoting style.
    private func replacement(for scalar: KustomizationImages.Scalar, newTag: String, in bytes: [UInt8]) -> [UInt8] {
        switch scalar.style {
        case .plain: return Array(Self.plain(newTag).utf8)
        case .singleQuoted: return Array("'\(newTag)'".utf8)
        case .doubleQuoted: return Array("\"\(newTag)\"".utf8)
        case .empty:
            // `newTag:` with no value: `newTag: <tag>`, keeping a comment after it apart.
            let position = scalar.range.lowerBound
            var text = Self.plain(newTag)
            if position > 0 && bytes[position - 1] == UInt8(ascii: ":") { text = " " + text }
            if position < bytes.count && bytes[position] == UInt8(ascii: "#") { text += " " }
            return Array(text.utf8)
        }
    }

    private func insertNewTag(
        _ newTag: String, into bytes: inout [UInt8], entry: KustomizationImages.Entry, images: KustomizationImages
    ) {
        let nameStyle = (entry.scalars["name"] ?? entry.scalars["newName"])?.style
        let value: String
        switch nameStyle {
        case .singleQuoted?: value = "'\(newTag)'"
        case .doubleQuoted?: value = "\"\(newTag)\""
        default: value = Self.plain(newTag)
        }
        switch entry.layout {
        case .flow(let insertionPoint)?:
            bytes.insert(contentsOf: Array(", newTag: \(value)".utf8), at: insertionPoint)
        case .block(let keyIndent, let lastLine)?:
            let line = images.lines[lastLine]
            let ending = images.lineEnding(after: lastLine)
            var inserted = Array(repeating: UInt8(ascii: " "), count: keyIndent) + Array("newTag: \(value)".utf8)
            if line.end > line.contentEnd {
                inserted += ending
                bytes.insert(contentsOf: inserted, at: line.end)
            } else {
                bytes.insert(contentsOf: ending + inserted, at: line.end)  // the file's last line had no newline
            }
        case nil:
            break  // an entry without keys has no name, so it never matches
        }
    }

    /// The tag as a plain YAML scalar, quoted when YAML would read it as a number, boolean or null.
    static func plain(_ tag: String) -> String {
        readsAsNonString(tag) ? "\"\(tag)\"" : tag
    }

    /// Whether a plain scalar would resolve to something other than a string under YAML 1.1 or 1.2
    /// (`1.10` is the float 1.1, `20240101` an integer, `yes`/`on` booleans).
    static func readsAsNonString(_ tag: String) -> Bool {
        let words: Set<String> = ["y", "yes", "n", "no", "true", "false", "on", "off", "null"]
        if words.contains(tag.lowercased()) { return true }
        let bytes = Array(tag.utf8)
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard let first = bytes.first, isDigit(first) else { return false }
        if bytes.count > 2, first == UInt8(ascii: "0"), "xXoObB".utf8.contains(bytes[1]) {
            return bytes.dropFirst(2).allSatisfy {
                $0 == UInt8(ascii: "_") || isDigit($0) || "abcdefABCDEF".utf8.contains($0)
            }
        }
        var index = 0
        while index < bytes.count && (isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")) { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count && (isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                index += 1
            }
            let digitsStart = index
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
            if index == digitsStart { return false }
        }
        return index == bytes.count
    }
}
