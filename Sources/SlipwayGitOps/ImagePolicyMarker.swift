import Foundation
import SlipwayYAML

/// Flux image automation's setter comment, `# {"$imagepolicy": "flux-system:shop:tag"}`: a field carrying one is
/// rewritten by ImageUpdateAutomation whenever the policy picks a newer image, so a pin there may be overwritten.
enum ImagePolicyMarker {
    /// The policy named by the first `$imagepolicy` comment on `lines` of `file` (`flux-system:shop:tag`), or `""`
    /// when a marker is there but its policy cannot be read; nil when there is none.
    static func find(in file: YAMLFile, lines: ClosedRange<Int>) -> String? {
        for number in lines {
            guard let bounds = file.lineBounds(number) else { continue }
            let line = String(decoding: file.bytes[bounds.start..<bounds.contentEnd], as: UTF8.self)
            guard let hash = line.firstIndex(of: "#") else { continue }
            let comment = line[line.index(after: hash)...]
            guard let marker = comment.range(of: "\"$imagepolicy\"") else { continue }
            let rest = comment[marker.upperBound...].drop { $0 == " " || $0 == ":" }
            guard rest.first == "\"" else { return "" }
            let value = rest.dropFirst().prefix { $0 != "\"" }
            return String(value)
        }
        return nil
    }
}
