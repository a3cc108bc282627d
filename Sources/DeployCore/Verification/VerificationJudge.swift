import Foundation

/// One check's result in one sample.
public struct CheckSample: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// Prometheus's value, or the HTTP status as a number.
        case value(Double)
        /// The query answered an empty result.
        case noData
        /// The query or request failed (Prometheus unreachable, a bad query, a refused connection).
        case error(String)
    }

    public var name: String
    public var value: Value

    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// Judges verification samples against a `VerifyPolicy`; pure, so every rule is tested without I/O.
///
/// A check fails the deploy after `failureLimit` failing samples in a row. A sample without data (or whose query
/// failed) neither fails nor passes; if a check's latest sample has no value when the window ends, the verification
/// is inconclusive and an approver decides. An HTTP check whose request fails counts as failing (the service did not
/// answer).
public struct VerificationJudge: Sendable {
    public var policy: VerifyPolicy

    public init(policy: VerifyPolicy) { self.policy = policy }

    /// What one sample decides.
    public enum Outcome: Sendable, Equatable {
        case continuing
        case failed(FailureRecord)
        case passed
        case inconclusive
    }

    /// A fresh record with one empty result per check.
    public func start(track: String) -> VerificationRecord {
        VerificationRecord(
            track: track, checks: policy.checks.map { .init(name: $0.name, limit: $0.limitText) })
    }

    /// Adds one sample to `record`.
    /// - Parameters:
    ///   - samples: One result per check (by name); a check without one is left as it was.
    ///   - record: The record so far.
    ///   - windowEnded: Whether this is the last sample of the verification window.
    ///   - queries: Prometheus queries this sample made.
    ///   - now: The sample's time.
    /// - Returns: The new record and what it decides.
    public func record(
        _ samples: [CheckSample], into record: VerificationRecord, windowEnded: Bool, queries: Int, now: Date
    ) -> (VerificationRecord, Outcome) {
        var next = record
        if next.checks.count != policy.checks.count {
            next.checks = policy.checks.map { check in
                record.checks.first { $0.name == check.name } ?? .init(name: check.name, limit: check.limitText)
            }
        }
        next.samples += 1
        next.queries += queries
        next.lastSampleAt = now
        var breach: (VerificationCheck, Double, VerificationRecord.CheckResult)?
        for (i, check) in policy.checks.enumerated() {
            guard let sample = samples.first(where: { $0.name == check.name }) else { continue }
            var result = next.checks[i]
            switch sample.value {
            case .value(let value):
                result.latest = value
                result.failing = !check.passes(value)
                result.consecutiveFailures = result.failing ? result.consecutiveFailures + 1 : 0
                result.problem = nil
                result.values.append(check.format(value))
            case .noData:
                result.latest = nil
                result.failing = false
                result.problem = "no data"
                result.values.append("no data")
            case .error(let message):
                result.latest = nil
                if case .http = check.probe {
                    result.failing = true
                    result.consecutiveFailures += 1
                } else {
                    result.failing = false
                }
                result.problem = message
                result.values.append("error")
            }
            if result.values.count > 60 { result.values.removeFirst(result.values.count - 60) }
            next.checks[i] = result
            if breach == nil, result.failing, result.consecutiveFailures >= policy.failureLimit {
                breach = (check, result.latest ?? .nan, result)
            }
        }
        if let (check, value, result) = breach {
            next.verdict = .failed
            next.decidedAt = now
            return (next, .failed(failure(check, value: value, result: result, record: next)))
        }
        guard windowEnded else { return (next, .continuing) }
        next.decidedAt = now
        if next.checks.contains(where: { $0.latest == nil }) {
            next.verdict = .inconclusive
            return (next, .inconclusive)
        }
        next.verdict = .passed
        return (next, .passed)
    }

    /// "Verification failed: error ratio 4.2% > 1% (query …)", the values over the window, and the runbook.
    func failure(
        _ check: VerificationCheck, value: Double, result: VerificationRecord.CheckResult, record: VerificationRecord
    ) -> FailureRecord {
        let shown = value.isNaN ? (result.problem ?? "no answer") : check.format(value)
        let title: String
        switch check.probe {
        case .prometheus(let query, .max(let max)):
            title = "Verification failed: \(check.name) \(shown) > \(check.format(max)) (query \(query))"
        case .prometheus(let query, .min(let min)):
            title = "Verification failed: \(check.name) \(shown) < \(check.format(min)) (query \(query))"
        case .http(let url, let status):
            title = "Verification failed: \(check.name) \(shown), expected HTTP \(status) (GET \(url))"
        }
        let track = record.track == "canary" ? "canary " : ""
        let summary =
            "\(result.consecutiveFailures) failing \(track)sample\(result.consecutiveFailures == 1 ? "" : "s") in a row "
            + "(limit \(policy.failureLimit)). Values over the window:\n" + record.valuesText
        return FailureRecord(
            cause: record.track == "canary" ? "canary_failed" : "verification_failed", title: title, summary: summary,
            runbook: "verification-failed.md")
    }
}
