/// "Did you mean …?" suggestions from edit distance.
public enum Suggestion {
    /// The candidate closest to `input`, when it is close enough to be a plausible typo.
    public static func closest(to input: String, among candidates: some Sequence<String>) -> String? {
        let needle = Array(input.lowercased().unicodeScalars)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(needle, Array(candidate.lowercased().unicodeScalars))
            if let current = best,
                current.distance < distance || (current.distance == distance && current.name <= candidate)
            {
                continue
            }
            best = (candidate, distance)
        }
        guard let best else { return nil }
        let shorter: Int = min(needle.count, best.name.count)
        let limit: Int = max(2, shorter / 3)
        let isPrefix: Bool = !input.isEmpty && best.name.lowercased().hasPrefix(input.lowercased())
        return (best.distance <= limit || isPrefix) ? best.name : nil
    }

    /// Candidates sorted by closeness to `input`, closest first, at most `limit`.
    public static func ranked(_ input: String, among candidates: some Sequence<String>, limit: Int) -> [String] {
        let needle = Array(input.lowercased().unicodeScalars)
        return
            candidates
            .map { (name: String) -> (String, Int) in
                (name, editDistance(needle, Array(name.lowercased().unicodeScalars)))
            }
            .sorted { (a: (String, Int), b: (String, Int)) -> Bool in a.1 == b.1 ? a.0 < b.0 : a.1 < b.1 }
            .prefix(limit)
            .map(\.0)
    }

    /// " Did you mean `x`?" or an empty string.
    public static func didYouMean(_ input: String, among candidates: some Sequence<String>) -> String {
        guard let match = closest(to: input, among: candidates) else { return "" }
        return " Did you mean `\(match)`?"
    }

    /// Damerau–Levenshtein (optimal string alignment) distance: a swap of neighbours counts as one edit.
    public static func editDistance<T: Equatable>(_ a: [T], _ b: [T]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
