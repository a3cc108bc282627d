import Foundation
import Synchronization

/// Keeps a failure that repeats at every poll (the Kubernetes API down for an hour, say) from flooding the log.
///
/// The first failure of a key is logged at once. While it keeps failing, at most one line per `interval` is, saying
/// how many were left out. The first success after a failure is logged too, so the log shows when it recovered.
///
/// The lines name what failed, not the subject: log them with the subject in the record's metadata.
///
/// ```swift
/// let key = RepeatedWarnings.Key(what: "cluster poll", subject: deploy.id)
/// if let line = warnings.failure(key, "\(error)", now: now) { log.warning(line, metadata: ["deploy": deploy.id]) }
/// if let line = warnings.success(key, now: now) { log.info(line, metadata: ["deploy": deploy.id]) }
/// ```
///
/// An outside service that cannot be reached (Slack, the Kubernetes API server, PagerDuty) is one key for every call
/// to it, with `outsideServiceInterval`: a laptop without them logs each once at start, then one line per 10 minutes
/// with the count left out (`RepeatedWarnings.outsideService(_:)`).
public final class RepeatedWarnings: Sendable {
    /// What failed (`cluster poll`) and for what (a deploy id).
    public struct Key: Hashable, Sendable {
        public var what: String
        public var subject: String

        public init(what: String, subject: String) {
            self.what = what
            self.subject = subject
        }
    }

    private struct Failing {
        var since: Date
        var lastLogged: Date
        var leftOut: Int
    }

    /// The shortest time between two lines for one key.
    public let interval: TimeInterval
    private let failing = Mutex<[Key: Failing]>([:])

    public init(interval: TimeInterval = 60) {
        self.interval = interval
    }

    /// The line to log for this failure: "`what` failed: `detail`", with how long it has been failing
    /// and how many lines were left out when it repeats; nil while a line for `key` was logged less than `interval`
    /// ago.
    public func failure(_ key: Key, _ detail: String, now: Date) -> String? {
        failing.withLock { failing in
            guard var entry = failing[key] else {
                failing[key] = Failing(since: now, lastLogged: now, leftOut: 0)
                return "\(key.what) failed: \(detail)"
            }
            guard now.timeIntervalSince(entry.lastLogged) >= interval else {
                entry.leftOut += 1
                failing[key] = entry
                return nil
            }
            let line =
                "\(key.what) still failing after \(Self.duration(now.timeIntervalSince(entry.since)))"
                + " (\(entry.leftOut) repeats not logged): \(detail)"
            failing[key] = Failing(since: entry.since, lastLogged: now, leftOut: 0)
            return line
        }
    }

    /// "`what` works again after failing for …" when `key` was failing; nil otherwise.
    public func success(_ key: Key, now: Date) -> String? {
        failing.withLock { failing in
            guard let entry = failing.removeValue(forKey: key) else { return nil }
            return "\(key.what) works again after failing for "
                + Self.duration(now.timeIntervalSince(entry.since))
        }
    }

    /// Forgets the failures of subjects not in `subjects` (deploys that ended).
    public func retain(subjects: Set<String>) {
        failing.withLock { failing in failing = failing.filter { subjects.contains($0.key.subject) } }
    }

    /// The shortest time between two lines about an outside service that keeps failing.
    public static let outsideServiceInterval: TimeInterval = 600

    /// The key for every failing call to an outside service, e.g. `outsideService("Slack API")`: its lines read
    /// "Slack API failed: …", "Slack API still failing after 10 min (37 repeats not logged): …" and
    /// "Slack API works again after failing for 12 min".
    public static func outsideService(_ what: String) -> Key {
        Key(what: what, subject: "outside service")
    }

    /// "45 s", "3 min 20 s", "2 h 5 min".
    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s" }
        return total % 3600 / 60 == 0 ? "\(total / 3600) h" : "\(total / 3600) h \(total % 3600 / 60) min"
    }
}
