import Foundation

/// A Kubernetes label selector as the API server parses it: `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
struct LabelSelector: Sendable {
    enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case absent(String)

        func matches(_ labels: [String: String]) -> Bool {
            switch self {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            case .exists(let key): labels[key] != nil
            case .absent(let key): labels[key] == nil
            }
        }
    }

    var requirements: [Requirement]

    init(requirements: [Requirement] = []) { self.requirements = requirements }

    /// Whether every requirement holds for `labels` (an empty selector matches everything).
    func matches(_ labels: [String: String]) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    /// Parses `text`; nil when it is not a valid selector.
    init?(parsing text: String) {
        var terms: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                terms.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        terms.append(current)
        var requirements: [Requirement] = []
        for raw in terms {
            let term = raw.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else { return nil }
            func values(_ rest: Substring) -> Set<String>? {
                let inner = rest.trimmingCharacters(in: .whitespaces)
                guard inner.hasPrefix("("), inner.hasSuffix(")") else { return nil }
                return Set(
                    inner.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            }
            if let range = term.range(of: " notin ") {
                guard let set = values(term[range.upperBound...]) else { return nil }
                requirements.append(.notIn(term[..<range.lowerBound].trimmingCharacters(in: .whitespaces), set))
            } else if let range = term.range(of: " in ") {
                guard let set = values(term[range.upperBound...]) else { return nil }
                requirements.append(.isIn(term[..<range.lowerBound].trimmingCharacters(in: .whitespaces), set))
            } else if let range = term.range(of: "!=") {
                requirements.append(.notEquals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                requirements.append(.equals(String(term[..<range.lowerBound]), String(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                requirements.append(.absent(String(term.dropFirst())))
            } else if term.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) {
                requirements.append(.exists(term))
            } else {
                return nil
            }
        }
        self.requirements = requirements
    }
}
