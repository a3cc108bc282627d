import Foundation

/// The fake cluster's objects as JSON, per resource and namespace, with the API server's `resourceVersion` counter.
struct KubernetesObjects {
    /// An object and its JSON, serialized when first served after a change.
    private struct Entry {
        var object: [String: Any]
        var json: [UInt8]?
    }

    /// `"<plural>/<namespace>"` → name → object.
    private var buckets: [String: [String: Entry]] = [:]
    /// The last `resourceVersion` handed out.
    private(set) var resourceVersion = 1000

    /// An object, or nil; setting does not bump its `resourceVersion` (see `store`).
    subscript(plural plural: String, namespace namespace: String, name name: String) -> [String: Any]? {
        get { buckets["\(plural)/\(namespace)"]?[name]?.object }
        set { buckets["\(plural)/\(namespace)", default: [:]][name] = newValue.map { Entry(object: $0) } }
    }

    /// An object as JSON, or nil; serialized once per change, so serving costs little next to a client's decoding.
    mutating func json(plural: String, namespace: String, name: String) -> [UInt8]? {
        let bucket = "\(plural)/\(namespace)"
        guard let entry = buckets[bucket]?[name] else { return nil }
        if let json = entry.json { return json }
        let json = Self.serialize(entry.object)
        buckets[bucket]?[name]?.json = json
        return json
    }

    /// Names of the objects in a namespace that start with `prefix`, sorted.
    func names(_ plural: String, namespace: String, prefix: String = "") -> [String] {
        guard let bucket = buckets["\(plural)/\(namespace)"] else { return [] }
        return bucket.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// Stores an object with a new `resourceVersion`.
    mutating func store(_ plural: String, _ namespace: String, _ name: String, _ object: [String: Any]) {
        var object = object
        bumpVersion(&object)
        self[plural: plural, namespace: namespace, name: name] = object
    }

    /// Gives `object` the next `resourceVersion`.
    mutating func bumpVersion(_ object: inout [String: Any]) {
        resourceVersion += 1
        Self.setValue(&object, path: ["metadata", "resourceVersion"], String(resourceVersion))
    }

    // MARK: JSON helpers

    static func value(_ object: [String: Any], path: [String]) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    static func string(_ object: [String: Any], _ path: String...) -> String? {
        value(object, path: path) as? String
    }

    static func setValue(_ object: inout [String: Any], path: [String], _ newValue: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = newValue
            return
        }
        var child = object[first] as? [String: Any] ?? [:]
        setValue(&child, path: Array(path.dropFirst()), newValue)
        object[first] = child
    }

    static func serialize(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
    static func mergePatch(_ target: Any?, _ patch: Any) -> Any {
        guard let patch = patch as? [String: Any] else { return patch }
        var result = target as? [String: Any] ?? [:]
        for (key, value) in patch {
            if value is NSNull { result[key] = nil } else { result[key] = mergePatch(result[key], value) }
        }
        return result
    }
}
