import Foundation
import Synchronization

/// Which Kubernetes clusters the rollout watch cannot reach, and since when: set by each cluster's poller, shown by
/// `/status`. In memory, so it reflects what this replica's watch saw (the leader's, with several replicas).
public final class ClusterHealth: Sendable {
    /// A cluster that could not be reached.
    public struct Problem: Sendable, Equatable {
        public var cluster: String
        /// The first failed poll of the current outage.
        public var since: Date
        /// The last failure (no token, no query string).
        public var detail: String
    }

    private let problems = Mutex<[String: Problem]>([:])

    public init() {}

    /// Records a failed poll; an outage keeps the time it began.
    public func unreachable(_ cluster: String, at date: Date, detail: String) {
        problems.withLock { problems in
            let since = problems[cluster]?.since ?? date
            problems[cluster] = Problem(cluster: cluster, since: since, detail: detail)
        }
    }

    /// Records a poll that reached the cluster.
    public func reachable(_ cluster: String) {
        _ = problems.withLock { $0.removeValue(forKey: cluster) }
    }

    /// The clusters that cannot be reached now, by name.
    public var unreachable: [Problem] {
        problems.withLock { Array($0.values) }.sorted { $0.cluster < $1.cluster }
    }
}
