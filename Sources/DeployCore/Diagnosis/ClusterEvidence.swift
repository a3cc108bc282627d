/// What the cluster showed about one deploy's workload at one poll: the input to failure diagnosis.
public struct ClusterEvidence: Sendable, Equatable {
    /// Kinds of diagnosis-only evidence, fetched only for deploys that look failed or stuck.
    public struct Detail: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Warning events in the workload's namespace.
        public static let events = Detail(rawValue: 1 << 0)
        /// SealedSecrets in the workload's namespace.
        public static let sealedSecrets = Detail(rawValue: 1 << 1)
        /// ConfigMaps (names and keys) in the workload's namespace.
        public static let configMaps = Detail(rawValue: 1 << 2)

        public static let all: Detail = [.events, .sealedSecrets, .configMaps]
    }

    public var kustomization: K8s.Kustomization?
    /// The environment's HelmRelease, when it ships as one (nil otherwise, or when it does not exist).
    public var helmRelease: K8s.HelmRelease? = nil
    public var gitRepository: K8s.GitRepository?
    /// The workload (Deployment, StatefulSet or DaemonSet) this evidence is about.
    public var workload: K8s.Workload?
    /// The workload when it is a Deployment.
    public var deployment: K8s.Deployment? {
        get { workload?.deployment }
        set { workload = newValue.map(K8s.Workload.deployment) }
    }
    /// The Deployment's ReplicaSets, when fetched; they pin down the new ReplicaSet by revision.
    public var replicaSets: [K8s.ReplicaSet]
    /// Pods of the new ReplicaSet, or all pods of the workload.
    public var pods: [K8s.Pod]
    public var events: [K8s.Event]
    public var sealedSecrets: [K8s.SealedSecret]
    public var configMaps: [K8s.ConfigMap]
    /// Which diagnosis-only kinds were fetched; an empty list of a kind not collected means "not looked at".
    public var collected: Detail

    public init(
        kustomization: K8s.Kustomization? = nil, gitRepository: K8s.GitRepository? = nil,
        deployment: K8s.Deployment? = nil, replicaSets: [K8s.ReplicaSet] = [], pods: [K8s.Pod] = [],
        events: [K8s.Event] = [], sealedSecrets: [K8s.SealedSecret] = [], configMaps: [K8s.ConfigMap] = [],
        collected: Detail = .all, workload: K8s.Workload? = nil
    ) {
        self.kustomization = kustomization
        self.gitRepository = gitRepository
        self.workload = workload ?? deployment.map(K8s.Workload.deployment)
        self.replicaSets = replicaSets
        self.pods = pods
        self.events = events
        self.sealedSecrets = sealedSecrets
        self.configMaps = configMaps
        self.collected = collected
    }
}
