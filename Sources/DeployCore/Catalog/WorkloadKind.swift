/// The kinds of workload Slipway watches roll out.
public enum WorkloadKind: String, Sendable, Hashable, CaseIterable {
    case deployment = "Deployment"
    case statefulSet = "StatefulSet"
    case daemonSet = "DaemonSet"
}

extension EnvironmentEntry.Workload {
    /// A workload of any kind.
    public init(namespace: String, kind: WorkloadKind, name: String) {
        self.init(namespace: namespace, deployment: name)
        self.kind = kind
    }

    /// The workload's name.
    public var name: String { deployment }

    /// `Kind namespace/name`, e.g. `StatefulSet shop/db`.
    public var label: String { "\(kind.rawValue) \(namespace)/\(name)" }
}

extension EnvironmentEntry {
    /// Every workload the deploy must roll out: `workload` first, then the others.
    public var workloads: [Workload] { [workload] + otherWorkloads }
}
