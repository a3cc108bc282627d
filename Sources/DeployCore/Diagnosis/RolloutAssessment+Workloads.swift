extension RolloutAssessment {
    /// Combines the assessments of a deploy's workloads (one per workload, same deploy and poll) into the deploy's:
    /// the first failure fails it; a workload someone else rolled out supersedes it; otherwise it stands where its
    /// least advanced workload stands, so it is green only when every workload is. Progress adds up the pods of the
    /// workloads still rolling out.
    /// - Parameter observations: At least one assessment, in the environment's workload order.
    public static func combine(_ observations: [RolloutObservation]) -> RolloutObservation {
        guard observations.count > 1 else { return observations.first ?? .waitingForFlux }
        if let failed = observations.first(where: { if case .failed = $0 { true } else { false } }) { return failed }
        if let superseded = observations.first(where: { if case .superseded = $0 { true } else { false } }) {
            return superseded
        }
        func rank(_ observation: RolloutObservation) -> Int {
            switch observation {
            case .waitingForFlux: 0
            case .applied: 1
            case .rollingOut: 2
            case .rolledOut: 3
            case .stable: 4
            case .failed, .superseded: 5
            }
        }
        let least = observations.min { rank($0) < rank($1) }!
        guard case .rollingOut = least else { return least }
        var total = (updated: 0, ready: 0, desired: 0)
        for case .rollingOut(let updated, let ready, let desired) in observations {
            total = (total.updated + updated, total.ready + ready, total.desired + desired)
        }
        return .rollingOut(updated: total.updated, ready: total.ready, desired: total.desired)
    }
}
