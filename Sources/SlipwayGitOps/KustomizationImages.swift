import SlipwayYAML

/// The `images:` entries of a kustomization, as libyaml reads the whole file.
///
/// The whole file must be valid YAML; every document is read, and the one that is a kustomization is used. The
/// entries keep libyaml's byte marks, so an edit replaces exactly one scalar.
struct KustomizationImages {
    /// One entry of the `images:` list.
    struct Entry {
        /// The entry as written; nil when the item is not a mapping.
        let mapping: YAMLMapping?
        /// The item's first line (1-based).
        let line: Int
        /// Why the entry cannot be edited safely, if it cannot.
        var problem: String?

        /// The scalar value of `key`, when the entry has exactly one such key with a scalar value.
        func scalar(_ key: String) -> YAMLScalar? {
            guard let pairs = mapping?.pairs(forKey: key), pairs.count == 1 else { return nil }
            return pairs[0].value.scalar
        }

        /// The value of `key` as a string; nil when absent or null.
        func value(_ key: String) -> String? {
            guard let scalar = scalar(key), !scalar.isNull else { return nil }
            return scalar.value
        }

        /// The last line (1-based) any of the entry's scalars reaches.
        var lastLine: Int {
            var last = line
            for scalar in (mapping.map { YAMLNode.mapping($0) })?.scalars ?? [] {
                // A block scalar ends at the start of the next line; its text ends on the line before.
                let end =
                    scalar.end.column == 1 && scalar.end.line > scalar.start.line
                    ? scalar.end.line - 1 : scalar.end.line
                last = max(last, end)
            }
            return last
        }
    }

    /// The kinds of manifest that carry an `images:` list kustomize understands.
    static let kustomizationKinds: Set<String> = ["Kustomization", "Component"]
    /// Top-level keys only a kustomization has (a manifest's `resources:` is never top-level).
    static let kustomizationKeys: Set<String> = ["images", "resources", "bases", "components"]

    let file: YAMLFile
    let entries: [Entry]

    /// Reads the kustomization.
    /// - Throws: `GitOpsError` `.invalidYAML` (with file, line, column) when the file is not valid YAML;
    ///   `.notAKustomization`, `.imageEntryMissing` or `.unsupportedLayout` when it has no usable `images:` list.
    init(text: String, path: String, image: String) throws(GitOpsError) {
        let file = try Self.parse(text, path: path)
        self.file = file
        let roots = file.documents.compactMap(\.root).filter { $0.scalar?.isNull != true }
        guard let first = roots.first else {
            throw GitOpsError(
                .notAKustomization,
                "\(path) is not a kustomization: it is empty. Point the environment's kustomization setting at "
                    + "the kustomization.yaml whose images: list names \(image).")
        }
        let candidates = roots.compactMap(\.mapping).filter(Self.looksLikeKustomization)
        guard !candidates.isEmpty else {
            let helmRelease = roots.first { $0["kind"]?.scalar?.value == "HelmRelease" }
            throw Self.notAKustomization(helmRelease ?? first, path: path, image: image)
        }
        var chosen = candidates[0]
        if candidates.count > 1 {
            let listing = try candidates.map { (mapping) throws(GitOpsError) in
                (mapping, try Self.entries(of: mapping, path: path, image: image))
            }
            let naming = listing.filter { $0.1.contains { $0.value("name") == image || $0.value("newName") == image } }
            if naming.count > 1 {
                let lines = naming.map { String($0.0.start.line) }.joined(separator: ", ")
                throw GitOpsError(
                    .unsupportedLayout,
                    "\(path) has \(naming.count) kustomization documents with an images: entry for \(image) "
                        + "(starting at lines \(lines)); keep exactly one.")
            }
            if let only = naming.first { chosen = only.0 }
        }
        self.entries = try Self.entries(of: chosen, path: path, image: image)
    }

    static func parse(_ text: String, path: String) throws(GitOpsError) -> YAMLFile {
        do {
            return try YAMLFile(text: text, path: path)
        } catch {
            throw GitOpsError(yaml: error, before: true)
        }
    }

    private static func looksLikeKustomization(_ mapping: YAMLMapping) -> Bool {
        let keys = Set(mapping.pairs.compactMap { $0.key.scalar?.value })
        if let kind = mapping["kind"]?.scalar?.value, !kind.isEmpty {
            return kustomizationKinds.contains(kind)
        }
        return !keys.isDisjoint(with: kustomizationKeys)
            || (mapping["apiVersion"]?.scalar?.value ?? "").hasPrefix("kustomize.config.k8s.io/")
    }

    private static func notAKustomization(_ root: YAMLNode, path: String, image: String) -> GitOpsError {
        let pointAt =
            "Point the environment's kustomization setting at the kustomization.yaml whose images: list names \(image)."
        switch root {
        case .sequence:
            return GitOpsError(
                .notAKustomization, "\(path) is not a kustomization: it is a YAML list, not a mapping. \(pointAt)")
        case .scalar(let scalar):
            return GitOpsError(
                .notAKustomization,
                "\(path) is not a kustomization: line \(scalar.start.line) is not a YAML key: value mapping. \(pointAt)"
            )
        case .mapping(let mapping):
            if let kind = mapping["kind"]?.scalar?.value, !kind.isEmpty {
                let helm =
                    kind == "HelmRelease"
                    ? " For a HelmRelease environment, give helmRelease: {\"file\", \"tagPath\", \"namespace\", \"name\"} "
                        + "instead of kustomization."
                    : ""
                return GitOpsError(
                    .notAKustomization, "\(path) is a \(kind) manifest, not a kustomization. \(pointAt)\(helm)")
            }
            return GitOpsError(
                .notAKustomization,
                "\(path) is not a kustomization (it has no images:, resources: or kind: Kustomization). \(pointAt)")
        }
    }

    private static func entries(of root: YAMLMapping, path: String, image: String) throws(GitOpsError) -> [Entry] {
        let images = root.pairs(forKey: "images")
        guard let pair = images.first else {
            throw GitOpsError(
                .imageEntryMissing,
                "\(path) has no images: list; add one with an entry for \(image) "
                    + "(images: / - name: \(image) / newTag: <tag>).")
        }
        if images.count > 1 {
            throw GitOpsError(
                .unsupportedLayout, "\(path) has more than one top-level images: key; merge them into one list.")
        }
        switch pair.value {
        case .scalar(let scalar) where scalar.isNull:
            return []
        case .sequence(let sequence):
            return sequence.items.map(entry)
        default:
            throw GitOpsError(
                .unsupportedLayout,
                "\(path) line \(pair.value.start.line): images: is \(pair.value.kindDescription), not a list; write it "
                    + "as - name: ... / newTag: ... entries so Slipway can edit it.",
                file: path, line: pair.value.start.line, column: pair.value.start.column)
        }
    }

    private static func entry(_ item: YAMLNode) -> Entry {
        guard case .mapping(let mapping) = item else {
            return Entry(
                mapping: nil, line: item.start.line,
                problem: "line \(item.start.line) is \(item.kindDescription), not a name:/newTag: mapping")
        }
        var entry = Entry(mapping: mapping, line: mapping.start.line)
        var seen: Set<String> = []
        for pair in mapping.pairs {
            guard let key = pair.key.scalar?.value else { continue }
            if !seen.insert(key).inserted {
                entry.problem = entry.problem ?? "it has \(key): twice"
            }
            guard ["name", "newName", "newTag", "digest"].contains(key) else { continue }
            guard pair.value.scalar != nil else {
                entry.problem = entry.problem ?? "\(key): is \(pair.value.kindDescription), not a single value"
                continue
            }
        }
        return entry
    }
}

extension GitOpsError {
    /// A libyaml error as a deploy failure that names the file, line and column.
    init(yaml error: YAMLError, before: Bool) {
        let what =
            before
            ? "is not valid YAML, so Slipway does not edit it"
            : "cannot be edited safely"
        self.init(
            .invalidYAML, "\(error.description). The file \(what); fix it in the GitOps repository and deploy again.",
            file: error.path, line: error.line, column: error.column)
    }
}
