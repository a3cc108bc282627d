import DeployCore
import SlipwaySlack

extension StatusReport {
    /// One line per cluster the watch cannot reach: which, since when, and the last error.
    func clusterBlocks() -> [SlackBlock] {
        guard let problems = clusterHealth?.unreachable, !problems.isEmpty else { return [] }
        let lines = problems.map { problem in
            "🔌 Cluster `\(SlackText.escape(problem.cluster))` unreachable since \(SlackText.date(problem.since)); "
                + "deploys there wait. Last error: \(SlackText.escape(String(problem.detail.prefix(300))))"
        }
        return [.section(SlackText.truncate(lines.joined(separator: "\n"), to: BlockKitLimits.sectionText))]
    }
}
