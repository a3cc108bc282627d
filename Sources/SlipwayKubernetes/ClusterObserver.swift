import DeployCore
import Foundation
import Synchronization

/// Watches every deploy in flight with one poll of the API server.
///
/// The cost of a poll depends only on the targets passed in, never on how many services are configured:
/// one GET per watched Flux Kustomization, one LIST per workload namespace and kind (Deployments, StatefulSets,
/// DaemonSets; narrowed with
/// `metadata.name=` when a namespace has one target), and pods by label selector per workload namespace, merged into
/// one set-based selector where the Deployments' selectors allow it. A workload namespace whose last LIST held many
/// more objects than the targets want is read with one `metadata.name=` LIST per wanted Deployment instead, so
/// neither bytes nor CPU grow with idle objects either. Pods are not fetched while Flux has not applied the commit.
/// Events, SealedSecrets and ConfigMaps are fetched only for deploys that look failed or stuck.
///
/// Kustomizations are read by name because Slipway's Role names them (`resourceNames`, see `slipway rbac`): the API
/// server authorizes a GET of a named object under such a rule, but never a LIST of the whole namespace.
public struct ClusterObserver: Sendable {
    public let client: KubernetesClient
    public let retry: KubernetesRetry
    /// Objects per namespace at the last full LIST, by collection path (shared by copies).
    private let namespaceSizes = NamespaceSizes()

    /// - Parameters:
    ///   - client: The API client.
    ///   - retry: Retries for each LIST (a poll is repeated anyway, so keep it short).
    public init(client: KubernetesClient, retry: KubernetesRetry = KubernetesRetry(attempts: 2, initialDelay: 0.2)) {
        self.client = client
        self.retry = retry
    }

    /// API requests made so far through this observer's client.
    public var apiCallCount: Int { client.requestCount }

    /// Observes the targets once.
    /// - Parameters:
    ///   - targets: The deploys in flight; nothing else is looked at.
    ///   - now: The poll time (from the caller's clock).
    /// - Returns: Observations by deploy id; deploys whose objects could not be read are left out.
    public func observe(_ targets: [WatchTarget], now: Date) async -> [String: RolloutObservation] {
        await poll(targets, now: now).observations
    }

    /// Observes the targets once and reports the deploys that could not be observed.
    ///
    /// A deploy with several workloads is assessed once per workload; the answers are combined
    /// (`RolloutAssessment.combine`): green only when every workload rolled out.
    public func poll(_ targets: [WatchTarget], now: Date) async -> ClusterPoll {
        var result = ClusterPoll()
        guard !targets.isEmpty else { return result }
        // One unit per workload of each target; evidence and assessments are per unit.
        let units = targets.indices.flatMap { index in
            targets[index].workloads.map { Unit(target: index, workload: $0) }
        }
        func names(_ kind: WorkloadKind) -> [String: Set<String>] {
            var names: [String: Set<String>] = [:]
            for unit in units where unit.workload.kind == kind {
                names[unit.workload.namespace, default: []].insert(unit.workload.name)
            }
            return names
        }

        // 1. Flux Kustomizations by name, workloads one LIST per namespace and kind, all at once.
        async let kustomizationLists = getByName(
            .kustomizations, names: Self.names(targets) { ($0.flux.namespace, $0.flux.kustomization) })
        async let deploymentLists = listByNamespace(.deployments, names: names(.deployment))
        async let statefulSetLists = listByNamespace(.statefulSets, names: names(.statefulSet))
        async let daemonSetLists = listByNamespace(.daemonSets, names: names(.daemonSet))
        async let helmReleaseLists = getByName(
            .helmReleases,
            names: Self.names(targets.filter { $0.helmRelease != nil }) {
                ($0.helmRelease!.namespace, $0.helmRelease!.name)
            })
        let (kustomizations, deployments, statefulSets, daemonSets, helmReleases) = await (
            kustomizationLists, deploymentLists, statefulSetLists, daemonSetLists, helmReleaseLists
        )

        var evidence: [Int: ClusterEvidence] = [:]
        for (index, unit) in units.enumerated() {
            let target = targets[unit.target]
            guard result.errors[target.deployId] == nil else { continue }
            do {
                let kustomization = try kustomizations[target.flux.namespace, default: .success([])].get()
                    .first { $0.metadata.name == target.flux.kustomization }
                let namespace = unit.workload.namespace
                let name = unit.workload.name
                let workload: K8s.Workload? =
                    switch unit.workload.kind {
                    case .deployment:
                        try deployments[namespace, default: .success([])].get()
                            .first { $0.metadata.name == name }.map(K8s.Workload.deployment)
                    case .statefulSet:
                        try statefulSets[namespace, default: .success([])].get()
                            .first { $0.metadata.name == name }.map(K8s.Workload.statefulSet)
                    case .daemonSet:
                        try daemonSets[namespace, default: .success([])].get()
                            .first { $0.metadata.name == name }.map(K8s.Workload.daemonSet)
                    }
                evidence[index] = ClusterEvidence(kustomization: kustomization, collected: [], workload: workload)
                if let ref = target.helmRelease {
                    evidence[index]!.helmRelease = try helmReleases[ref.namespace, default: .success([])].get()
                        .first { $0.metadata.name == ref.name }
                }
            } catch {
                result.errors[target.deployId] = error
            }
        }
        Self.dropFailed(&evidence, units: units, targets: targets, errors: result.errors)

        // 2. Pods, only for workloads whose answer depends on them.
        let needPods = evidence.keys.sorted().filter { index in
            let target = targets[units[index].target]
            switch RolloutAssessment.assess(target.deploy, evidence: evidence[index]!, policy: target.policy, now: now)
            {
            case .waitingForFlux, .applied: return false
            default: return true
            }
        }
        let podQueries = Self.podQueries(
            needPods.map {
                (index: $0, namespace: units[$0].workload.namespace, workload: evidence[$0]!.workload)
            })
        let podLists = await listQueries(.pods, podQueries)
        for index in needPods {
            guard let labels = evidence[index]?.workload?.matchLabels, !labels.isEmpty else { continue }
            let namespace = units[index].workload.namespace
            for query in podQueries where query.namespace == namespace && query.indices.contains(index) {
                switch podLists[query] {
                case .success(let pods)?:
                    evidence[index]?.pods += pods.filter { $0.matches(labels: labels) }
                case .failure(let error)?:
                    result.errors[targets[units[index].target].deployId] = error
                case nil:
                    break
                }
            }
        }
        Self.dropFailed(&evidence, units: units, targets: targets, errors: result.errors)

        // 3. Assess; fetch diagnosis evidence for workloads that look failed or stuck, and assess those again.
        var observations: [Int: RolloutObservation] = [:]
        for (index, item) in evidence {
            let target = targets[units[index].target]
            observations[index] = RolloutAssessment.assess(
                target.deploy, evidence: item, policy: target.policy, now: now)
        }
        for _ in 0..<3 {
            var needs: [Int: ClusterEvidence.Detail] = [:]
            for (index, observation) in observations {
                let target = targets[units[index].target]
                let need = RolloutAssessment.diagnosisNeeds(
                    observation, deploy: target.deploy, evidence: evidence[index]!, policy: target.policy, now: now)
                if !need.isEmpty { needs[index] = need }
            }
            guard !needs.isEmpty else { break }
            var byNamespace: [String: ClusterEvidence.Detail] = [:]
            for (index, need) in needs { byNamespace[units[index].workload.namespace, default: []].formUnion(need) }
            let details = await fetchDetails(byNamespace)
            for (index, need) in needs {
                let target = targets[units[index].target]
                guard let fetched = details[units[index].workload.namespace] else { continue }
                if let error = fetched.error {
                    result.errors[target.deployId] = error
                    continue
                }
                var item = evidence[index]!
                if need.contains(.events) { item.events = fetched.events }
                if need.contains(.sealedSecrets) { item.sealedSecrets = fetched.sealedSecrets }
                if need.contains(.configMaps) { item.configMaps = fetched.configMaps }
                item.collected.formUnion(need)
                evidence[index] = item
                observations[index] = RolloutAssessment.assess(
                    target.deploy, evidence: item, policy: target.policy, now: now)
            }
            Self.dropFailed(&evidence, units: units, targets: targets, errors: result.errors)
            observations = observations.filter { evidence[$0.key] != nil }
        }
        var perTarget: [Int: [RolloutObservation]] = [:]
        for index in observations.keys.sorted() {
            perTarget[units[index].target, default: []].append(observations[index]!)
        }
        for (index, list) in perTarget where list.count == targets[index].workloads.count {
            let combined = RolloutAssessment.combine(list)
            result.observations[targets[index].deployId] = combined
            guard case .failed = combined else { continue }
            // The evidence of the workload that failed, for the thread's diagnosis.
            let failing = observations.keys.sorted().first { key in
                guard units[key].target == index, case .failed? = observations[key] else { return false }
                return true
            }
            result.failureEvidence[targets[index].deployId] = failing.flatMap { evidence[$0] }
        }
        return result
    }

    /// One workload of one watched deploy.
    private struct Unit {
        var target: Int
        var workload: EnvironmentEntry.Workload
    }

    /// Forgets the evidence of every workload of a deploy that could not be observed.
    private static func dropFailed(
        _ evidence: inout [Int: ClusterEvidence], units: [Unit], targets: [WatchTarget],
        errors: [String: KubernetesError]
    ) {
        guard !errors.isEmpty else { return }
        for index in Array(evidence.keys) where errors[targets[units[index].target].deployId] != nil {
            evidence[index] = nil
        }
    }

    // MARK: - Fetching

    /// `namespace → names` of the objects wanted there.
    private static func names(_ targets: [WatchTarget], _ key: (WatchTarget) -> (String, String)) -> [String: Set<
        String
    >] {
        var names: [String: Set<String>] = [:]
        for target in targets {
            let (namespace, name) = key(target)
            names[namespace, default: []].insert(name)
        }
        return names
    }

    /// One LIST per namespace; `metadata.name=` narrows it when only one object is wanted there. A namespace known to
    /// hold many more objects than wanted gets one narrowed LIST per wanted name instead.
    private func listByNamespace<Object>(
        _ resource: KubernetesResource<Object>, names: [String: Set<String>]
    ) async -> [String: Result<[Object], KubernetesError>] {
        await withTaskGroup(of: (String, Result<[Object], KubernetesError>).self) { group in
            for (namespace, wanted) in names {
                let key = resource.collectionPath(namespace: namespace)
                if wanted.count == 1 {
                    group.addTask {
                        let list = await self.listResult(
                            resource, namespace: namespace, fieldSelector: "metadata.name=\(wanted.first!)")
                        return (namespace, list)
                    }
                } else if let size = namespaceSizes[key], Self.prefersNames(namespaceSize: size, wanted: wanted.count) {
                    group.addTask { (namespace, await self.listByName(resource, namespace: namespace, names: wanted)) }
                } else {
                    group.addTask {
                        let list = await self.listResult(resource, namespace: namespace)
                        if case .success(let items) = list { self.namespaceSizes[key] = items.count }
                        return (namespace, list)
                    }
                }
            }
            var lists: [String: Result<[Object], KubernetesError>] = [:]
            for await (namespace, list) in group { lists[namespace] = list }
            return lists
        }
    }

    /// One GET per wanted object, concurrently, grouped by namespace; an object that does not exist (404) is left out,
    /// as a LIST would leave it out. The first other failure in a namespace fails that namespace.
    private func getByName<Object>(
        _ resource: KubernetesResource<Object>, names: [String: Set<String>]
    ) async -> [String: Result<[Object], KubernetesError>] {
        await withTaskGroup(of: (String, Result<Object?, KubernetesError>).self) { group in
            for (namespace, wanted) in names {
                for name in wanted {
                    group.addTask { (namespace, await self.getResult(resource, namespace: namespace, name: name)) }
                }
            }
            var found: [String: Result<[Object], KubernetesError>] = [:]
            for await (namespace, result) in group {
                switch (found[namespace, default: .success([])], result) {
                case (.failure, _): break
                case (_, .failure(let error)): found[namespace] = .failure(error)
                case (.success(let items), .success(let object)):
                    found[namespace] = .success(items + (object.map { [$0] } ?? []))
                }
            }
            return found
        }
    }

    private func getResult<Object>(_ resource: KubernetesResource<Object>, namespace: String, name: String) async
        -> Result<Object?, KubernetesError>
    {
        let client = self.client
        do {
            return .success(try await retry.run { try await client.get(resource, namespace: namespace, name: name) })
        } catch let error as KubernetesError where error.isNotFound {
            return .success(nil)
        } catch let error as KubernetesError {
            return .failure(error)
        } catch {
            return .failure(
                .transport(
                    .other, detail: "\(error)", method: "GET",
                    path: resource.objectPath(namespace: namespace, name: name)))
        }
    }

    /// Whether wanted objects are cheaper to read one by one than with a LIST of the whole namespace: a request costs
    /// about as much as decoding a few objects, so by name once the namespace holds 4× more than wanted (and 16 more).
    static func prefersNames(namespaceSize: Int, wanted: Int) -> Bool {
        namespaceSize > 4 * wanted && namespaceSize - wanted > 16
    }

    /// One `metadata.name=` LIST per name, concurrently; the first failure fails the whole.
    private func listByName<Object>(
        _ resource: KubernetesResource<Object>, namespace: String, names: Set<String>
    ) async -> Result<[Object], KubernetesError> {
        await withTaskGroup(of: Result<[Object], KubernetesError>.self) { group in
            for name in names {
                group.addTask {
                    await self.listResult(resource, namespace: namespace, fieldSelector: "metadata.name=\(name)")
                }
            }
            var items: [Object] = []
            var failure: KubernetesError?
            for await result in group {
                switch result {
                case .success(let found): items += found
                case .failure(let error): failure = failure ?? error
                }
            }
            return failure.map { .failure($0) } ?? .success(items)
        }
    }

    /// A pod LIST: a namespace and a label selector, serving the targets at `indices`.
    struct PodQuery: Hashable, Sendable {
        var namespace: String
        var labelSelector: String
        var indices: Set<Int>
    }

    /// Groups the pod LISTs: workloads whose selectors are one label with the same key share one
    /// `key in (a,b)` query; the others get one query per distinct selector.
    static func podQueries(_ wanted: [(index: Int, namespace: String, workload: K8s.Workload?)]) -> [PodQuery] {
        var single: [String: [String: [(value: String, index: Int)]]] = [:]  // namespace → key → values
        var multi: [String: [String: Set<Int>]] = [:]  // namespace → selector → indices
        for item in wanted {
            guard let labels = item.workload?.matchLabels, !labels.isEmpty else { continue }
            if labels.count == 1, let (key, value) = labels.first {
                single[item.namespace, default: [:]][key, default: []].append((value, item.index))
            } else if let selector = item.workload?.labelSelector {
                multi[item.namespace, default: [:]][selector, default: []].insert(item.index)
            }
        }
        var queries: [PodQuery] = []
        for (namespace, keys) in single {
            for (key, entries) in keys {
                let values = Set(entries.map(\.value)).sorted()
                let selector =
                    values.count == 1 ? "\(key)=\(values[0])" : "\(key) in (\(values.joined(separator: ",")))"
                queries.append(
                    PodQuery(namespace: namespace, labelSelector: selector, indices: Set(entries.map(\.index))))
            }
        }
        for (namespace, selectors) in multi {
            for (selector, indices) in selectors {
                queries.append(PodQuery(namespace: namespace, labelSelector: selector, indices: indices))
            }
        }
        return queries.sorted { ($0.namespace, $0.labelSelector) < ($1.namespace, $1.labelSelector) }
    }

    private func listQueries(_ resource: KubernetesResource<K8s.Pod>, _ queries: [PodQuery]) async
        -> [PodQuery: Result<[K8s.Pod], KubernetesError>]
    {
        await withTaskGroup(of: (PodQuery, Result<[K8s.Pod], KubernetesError>).self) { group in
            for query in queries {
                group.addTask {
                    (
                        query,
                        await self.listResult(resource, namespace: query.namespace, labelSelector: query.labelSelector)
                    )
                }
            }
            var lists: [PodQuery: Result<[K8s.Pod], KubernetesError>] = [:]
            for await (query, list) in group { lists[query] = list }
            return lists
        }
    }

    /// Diagnosis evidence of one namespace.
    private struct Details: Sendable {
        var events: [K8s.Event] = []
        var sealedSecrets: [K8s.SealedSecret] = []
        var configMaps: [K8s.ConfigMap] = []
        var error: KubernetesError?
    }

    private func fetchDetails(_ wanted: [String: ClusterEvidence.Detail]) async -> [String: Details] {
        await withTaskGroup(of: (String, Details).self) { group in
            for (namespace, kinds) in wanted {
                group.addTask {
                    var details = Details()
                    do {
                        if kinds.contains(.events) {
                            details.events = try await listResult(
                                .events, namespace: namespace, fieldSelector: "type=Warning"
                            ).get()
                        }
                        if kinds.contains(.sealedSecrets) {
                            switch await listResult(.sealedSecrets, namespace: namespace) {
                            case .success(let items): details.sealedSecrets = items
                            // Without the Sealed Secrets CRD there is no SealedSecret: that is an answer, not an error.
                            case .failure(let error) where error.isNotFound: details.sealedSecrets = []
                            case .failure(let error): throw error
                            }
                        }
                        if kinds.contains(.configMaps) {
                            details.configMaps = try await listResult(.configMaps, namespace: namespace).get()
                        }
                    } catch {
                        details.error = error as? KubernetesError
                    }
                    return (namespace, details)
                }
            }
            var all: [String: Details] = [:]
            for await (namespace, details) in group { all[namespace] = details }
            return all
        }
    }

    private func listResult<Object>(
        _ resource: KubernetesResource<Object>, namespace: String, labelSelector: String? = nil,
        fieldSelector: String? = nil
    ) async -> Result<[Object], KubernetesError> {
        let client = self.client
        do {
            let list = try await retry.run {
                try await client.list(
                    resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
            }
            return .success(list.items)
        } catch let error as KubernetesError {
            return .failure(error)
        } catch {
            return .failure(
                .transport(
                    .other, detail: "\(error)", method: "GET", path: resource.collectionPath(namespace: namespace)))
        }
    }
}

/// Object counts per collection seen by the last full LIST; shared by copies of a `ClusterObserver`.
final class NamespaceSizes: Sendable {
    private let sizes = Mutex<[String: Int]>([:])

    subscript(key: String) -> Int? {
        get { sizes.withLock { $0[key] } }
        set { sizes.withLock { $0[key] = newValue } }
    }
}
