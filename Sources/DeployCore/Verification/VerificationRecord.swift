import Foundation

/// What a deploy's verification has seen so far and how it ended; stored with the deploy.
public struct VerificationRecord: Sendable, Codable, Hashable {
    public enum Verdict: String, Sendable, Codable, Hashable {
        /// Sampling within the verification window.
        case running
        /// Every check kept its limit through the window.
        case passed
        /// A check broke its limit `failureLimit` times in a row.
        case failed
        /// A check had no data at the end of the window: a human decides.
        case inconclusive
        /// Inconclusive, and an approver chose "Treat as passed".
        case treatedAsPassed = "treated_as_passed"
    }

    /// One check's samples.
    public struct CheckResult: Sendable, Codable, Hashable {
        public var name: String
        /// "≤ 1%", "HTTP 200".
        public var limit: String
        /// Every sample's value shown as the check shows it ("4.2%", "no data"), oldest first (the last 60).
        public var values: [String]
        /// The latest raw value; nil when the latest sample had no data.
        public var latest: Double?
        /// Whether the latest sample broke the limit.
        public var failing: Bool
        /// Failing samples in a row, up to the latest.
        public var consecutiveFailures: Int
        /// Why the latest sample had no value ("no data", or the query's error), nil when it had one.
        public var problem: String?

        public init(
            name: String, limit: String, values: [String] = [], latest: Double? = nil, failing: Bool = false,
            consecutiveFailures: Int = 0, problem: String? = nil
        ) {
            self.name = name
            self.limit = limit
            self.values = values
            self.latest = latest
            self.failing = failing
            self.consecutiveFailures = consecutiveFailures
            self.problem = problem
        }

        /// The latest value as shown ("4.2%", "no data").
        public var latestText: String { values.last ?? "not sampled yet" }
    }

    public var verdict: Verdict
    /// `canary` or `primary`.
    public var track: String
    public var checks: [CheckResult]
    /// Samples taken (each runs every check once).
    public var samples: Int
    /// Samples the window holds at the configured interval (for "canary 1/3").
    public var plannedSamples: Int?
    /// Prometheus queries made.
    public var queries: Int
    public var lastSampleAt: Date?
    /// When the verdict was reached.
    public var decidedAt: Date?
    /// The approver who treated an inconclusive verification as passed.
    public var decidedBy: String?

    public init(
        verdict: Verdict = .running, track: String = "primary", checks: [CheckResult] = [], samples: Int = 0,
        queries: Int = 0, lastSampleAt: Date? = nil, decidedAt: Date? = nil, decidedBy: String? = nil
    ) {
        self.verdict = verdict
        self.track = track
        self.checks = checks
        self.samples = samples
        self.queries = queries
        self.lastSampleAt = lastSampleAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
    }

    /// Whether the verification ended in a pass (by the metrics, or by an approver's decision).
    public var passed: Bool { verdict == .passed || verdict == .treatedAsPassed }

    /// The record as stored (compact JSON).
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A stored record; nil when it cannot be read (a newer version's shape), which reads as "not verified".
    public static func decode(_ text: String) -> VerificationRecord? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(VerificationRecord.self, from: Data(text.utf8))
    }

    /// The values seen over the window, one line per check: "error ratio (≤ 1%): 0.2%, 0.3%, 4.2%".
    public var valuesText: String {
        checks.map { "\($0.name) (\($0.limit)): \($0.values.suffix(20).joined(separator: ", "))" }
            .joined(separator: "\n")
    }
}
