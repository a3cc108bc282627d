import DeployCore
import Foundation
import SlipwaySlack

/// The whole diagnosis of a failed deploy, as the thread log shows it: the Flux Kustomization's Ready condition,
/// every pod of the new version with each container's state, restarts and messages, and the Warning events. All
/// cluster text is escaped (it can hold anything a container prints).
public enum DiagnosisReport {
    /// The store cache key the rollout watch keeps a failed deploy's report under.
    public static func cacheKey(deployId: String) -> String { "diagnosis:\(deployId)" }

    /// The report as mrkdwn lines; empty when the evidence shows nothing.
    public static func text(_ evidence: ClusterEvidence) -> String {
        let e = SlackText.escape
        func clip(_ text: String) -> String { e(String(text.prefix(400))) }
        var lines: [String] = []
        if let ready = evidence.kustomization?.ready, ready.isFalse {
            lines.append(
                "*Flux Kustomization* Ready=False: \(clip(ready.reason ?? "")) \(clip(ready.message ?? ""))")
        }
        if !evidence.pods.isEmpty { lines.append("*Pods*") }
        for pod in evidence.pods.prefix(10) {
            var line = "• `\(e(pod.name))` \(e(pod.status?.phase ?? "?"))"
            if let reason = pod.status?.reason { line += " (\(clip(reason)))" }
            if let message = pod.status?.message { line += ": \(clip(message))" }
            lines.append(line)
            for status in pod.allContainerStatuses {
                var container = "    ◦ `\(e(status.name))` restarts \(status.restartCount ?? 0)"
                if let waiting = status.state?.waiting {
                    container += ", waiting: \(clip(waiting.reason ?? "")) \(clip(waiting.message ?? ""))"
                }
                if let terminated = status.state?.terminated ?? status.lastState?.terminated {
                    container +=
                        ", terminated: \(clip(terminated.reason ?? "")) exit \(terminated.exitCode.map(String.init) ?? "?")"
                    if let message = terminated.message { container += " \(clip(message))" }
                }
                lines.append(container)
            }
        }
        let warnings = evidence.events.filter { $0.type == "Warning" }
        if !warnings.isEmpty { lines.append("*Warning events*") }
        for event in warnings.suffix(10) {
            let object = [event.involvedObject?.kind, event.involvedObject?.name].compactMap { $0 }.joined(
                separator: "/")
            let count = (event.count ?? 1) > 1 ? " ×\(event.count!)" : ""
            lines.append("• \(e(object)) \(clip(event.reason ?? ""))\(count): \(clip(event.message ?? ""))")
        }
        return lines.joined(separator: "\n")
    }

    /// The report cut into section texts within Block Kit's limit, at most `maxSections`.
    static func sections(_ text: String, maxSections: Int = 10) -> [String] {
        var sections: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current.utf16.count + line.utf16.count + 1 > BlockKitLimits.sectionText - 50, !current.isEmpty {
                sections.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : "\n") + line
        }
        if !current.isEmpty { sections.append(SlackText.truncate(current, to: BlockKitLimits.sectionText)) }
        return Array(sections.prefix(maxSections))
    }
}
