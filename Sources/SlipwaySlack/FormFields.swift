/// Decoded form fields, looked up by name.
///
/// A form has a dozen fields at most, so they are kept in arrival order and searched linearly: cheaper than
/// hashing every name into a dictionary.
public struct FormFields: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var pairs: [(name: String, value: String)] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { addIfAbsent(name: name, value: value) }
    }

    /// The value of the named field (names are case-sensitive); setting nil removes the field.
    public subscript(name: String) -> String? {
        get {
            let length = name.utf8.count
            for pair in pairs where pair.name.utf8.count == length && pair.name == name { return pair.value }
            return nil
        }
        set {
            if let index = pairs.firstIndex(where: { $0.name == name }) {
                if let newValue { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue {
                pairs.append((name: name, value: newValue))
            }
        }
    }

    /// The number of distinct fields.
    public var count: Int { pairs.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { pairs.isEmpty }

    /// Every name, in arrival order.
    public var names: [String] { pairs.map(\.name) }

    /// Adds a field unless one with the same name is already there (the first value wins).
    mutating func addIfAbsent(name: String, value: String) {
        let length = name.utf8.count
        guard !pairs.contains(where: { $0.name.utf8.count == length && $0.name == name }) else { return }
        pairs.append((name: name, value: value))
    }

    public static func == (lhs: FormFields, rhs: FormFields) -> Bool {
        lhs.count == rhs.count && lhs.pairs.allSatisfy { rhs[$0.name] == $0.value }
    }
}
