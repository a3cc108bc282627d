extension Deploy {
    /// Whether the deploy's failure reached the cluster, so on-call is alerted (and the page resolved later): its
    /// commit was pushed, or a pre-deploy Job ran. A refused commit changed nothing.
    public var failureReachedCluster: Bool { gitCommit != nil || failure?.cause == MigrationFailure.code }
}

/// A pre-deploy step (a migration Job) that failed or timed out: the deploy fails with it and the application's
/// tag is not committed. Plain text; the Slack layer escapes it (log lines included).
public struct MigrationFailure: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The Job reported `Failed` (reason and message from its condition).
        case failed(reason: String, message: String)
        /// The Job did not complete within the step's timeout.
        case timedOut(seconds: Int)
        /// The step could not be started (its commit, its reconcile request).
        case notStarted(String)
    }

    /// The step's name, e.g. `migrate`.
    public var step: String
    /// `<namespace>/<name>` of the Job.
    public var job: String
    public var kind: Kind
    /// The pod whose log lines are shown, when one was found.
    public var pod: String?
    /// The failing pod's last log lines (at most `maxLogLines`), oldest first.
    public var logLines: [String]

    /// Log lines shown at most.
    public static let maxLogLines = 20
    /// Characters kept of each log line, so that 20 lines, the cause and the runbook link fit one Slack section.
    public static let maxLineLength = 100
    public static let code = "migration_failed"
    /// The step's commit or reconcile request failed: nothing reached the cluster.
    public static let notStartedCode = "migration_not_started"
    public static let runbook = "migration-failed.md"

    public init(step: String, job: String, kind: Kind, pod: String? = nil, logLines: [String] = []) {
        self.step = step
        self.job = job
        self.kind = kind
        self.pod = pod
        self.logLines = Array(logLines.suffix(Self.maxLogLines))
    }

    public var title: String {
        switch kind {
        case .timedOut: "Pre-deploy step `\(step)` timed out"
        default: "Pre-deploy step `\(step)` failed"
        }
    }

    public var summary: String {
        var text: String
        switch kind {
        case .failed(let reason, let message):
            text = "Job \(job) failed (\(reason)): \(message)"
        case .timedOut(let seconds):
            text = "Job \(job) did not complete within \(seconds) s"
        case .notStarted(let why):
            text = "Job \(job) was not started: \(why)"
        }
        if !text.hasSuffix(".") { text += "." }
        text += " The application was not deployed: its tag was not committed."
        if let pod, !logLines.isEmpty {
            text += "\nLast \(logLines.count) log line\(logLines.count == 1 ? "" : "s") of pod \(pod):\n"
            text += logLines.map { String($0.prefix(Self.maxLineLength)) }.joined(separator: "\n")
        }
        return text
    }

    /// The failure as recorded on the deploy.
    public var record: FailureRecord {
        FailureRecord(
            cause: reachedCluster ? Self.code : Self.notStartedCode, title: title, summary: summary,
            runbook: Self.runbook)
    }

    /// Whether the step's Job ran (or was due to): the database may be half-migrated, so on-call is alerted.
    public var reachedCluster: Bool {
        if case .notStarted = kind { return false }
        return true
    }
}
