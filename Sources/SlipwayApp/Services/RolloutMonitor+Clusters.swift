import DeployCore
import Foundation
import SlipwayKubernetes

/// One cluster as the rollout monitor watches it: its own observer, reconciler and wake-up.
struct ClusterWatch: Sendable {
    /// `kubernetes` for the top-level cluster, else the `clusters.<name>` key.
    var name: String
    var observer: ClusterObserver
    var reconciler: FluxReconciler
    var wake: Wakeup
    /// The key an outage of this cluster's API server is logged under (once per 10 min, recovery once).
    var apiKey: RepeatedWarnings.Key
}

extension RolloutMonitor {
    /// Records whether a poll reached the cluster: it did when it observed any deploy (or none failed); it did not
    /// when every deploy failed with an unreachable or failing API server (transport error, 5xx, 429).
    func record(_ poll: ClusterPoll, of cluster: ClusterWatch, now: Date) {
        if !poll.observations.isEmpty || poll.errors.isEmpty {
            health.reachable(cluster.name)
        } else if let error = poll.errors.values.first(where: \.isRetryable) {
            health.unreachable(cluster.name, at: now, detail: "\(error)")
        }
    }
}
