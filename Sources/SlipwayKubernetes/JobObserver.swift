import DeployCore
import Foundation

/// Reads a pre-deploy Job and, when it failed, the last log lines of its failing pod.
public struct JobObserver: Sendable {
    public let client: KubernetesClient
    public let retry: KubernetesRetry

    public init(client: KubernetesClient, retry: KubernetesRetry = KubernetesRetry(attempts: 2, initialDelay: 0.2)) {
        self.client = client
        self.retry = retry
    }

    /// The Job, or nil when it does not exist.
    /// - Throws: `KubernetesError` other than 404.
    public func job(_ ref: ObjectRef) async throws -> K8s.Job? {
        let client = self.client
        do {
            return try await retry.run { try await client.get(.jobs, namespace: ref.namespace, name: ref.name) }
        } catch let error as KubernetesError where error.isNotFound {
            return nil
        }
    }

    /// The pods of a Job, by the `batch.kubernetes.io/job-name` label (Kubernetes 1.27+) or, without any, the older
    /// `job-name`; only those the Job instance owns when its uid is known (a recreated Job has the same name).
    /// - Throws: `KubernetesError`.
    public func pods(of job: K8s.Job) async throws -> [K8s.Pod] {
        let client = self.client
        let namespace = job.metadata.namespace ?? ""
        var pods: [K8s.Pod] = []
        for label in ["batch.kubernetes.io/job-name", "job-name"] {
            pods = try await retry.run {
                try await client.list(.pods, namespace: namespace, labelSelector: "\(label)=\(job.name)").items
            }
            if !pods.isEmpty { break }
        }
        guard let uid = job.metadata.uid else { return pods }
        let owned = pods.filter { pod in pod.metadata.ownerReferences?.contains { $0.uid == uid } ?? true }
        return owned
    }

    /// The pod whose log explains the Job's end: the newest failed pod (phase `Failed`, or a container that exited
    /// non-zero), else the newest pod.
    public static func failingPod(_ pods: [K8s.Pod]) -> K8s.Pod? {
        let newestFirst = pods.sorted { ($0.metadata.creationTimestamp ?? "") > ($1.metadata.creationTimestamp ?? "") }
        let failed = newestFirst.first { pod in
            pod.status?.phase == "Failed"
                || pod.allContainerStatuses.contains { ($0.state?.terminated?.exitCode ?? 0) != 0 }
        }
        return failed ?? newestFirst.first
    }

    /// The last `lines` lines of a pod's log (`GET …/pods/<pod>/log?tailLines=N`).
    /// - Throws: `KubernetesError`.
    public func logTail(namespace: String, pod: String, lines: Int = MigrationFailure.maxLogLines) async throws
        -> [String]
    {
        guard KubernetesClient.isValidName(namespace), KubernetesClient.isValidName(pod) else { return [] }
        let client = self.client
        let body = try await retry.run {
            try await client.send(
                .get, path: "/api/v1/namespaces/\(namespace)/pods/\(pod)/log", query: [("tailLines", String(lines))])
        }
        var text = String(decoding: body, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { return [] }
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).suffix(lines))
    }
}
