import DeployCore
import Foundation

/// Jobs in the fake cluster, as a pre-deploy step (a migration) needs them: a Flux Kustomization that applies a Job
/// from a file of a real bare git repository, recreating it (as Flux does with `force`) when the file's `newTag`
/// changes; the Job controller running one pod, labelled `job-name` and `batch.kubernetes.io/job-name`, that
/// completes or fails as the test scripts it; and the pod's log (`GET …/pods/<pod>/log?tailLines=N`, plain text).
struct FakeJobController {
    /// A Kustomization that applies one Job from a kustomization file.
    struct Link {
        var namespace: String
        var kustomization: String
        var gitDirectory: String
        var branch: String
        var path: String
        var jobNamespace: String
        var job: String
        var image: String
    }

    /// A Job run's scripted end.
    struct Script {
        var outcome: FakeKubernetes.JobOutcome
        var logs: [String]
    }

    /// A run in progress: reads of the Job until it ends.
    struct Run {
        var pod: String
        var script: Script
        var reads = 0
        var ended = false
    }

    private var links: [String: Link] = [:]  // "<namespace>/<kustomization>"
    private var scripts: [String: Script] = [:]  // "<jobNamespace>/<job>"
    private var runs: [String: Run] = [:]
    private var logs: [String: [String]] = [:]  // "<namespace>/<pod>"
    private var counter = 0
    /// Reads of a Job it takes to end.
    var steps = 2

    mutating func link(_ link: Link) { links["\(link.namespace)/\(link.kustomization)"] = link }

    mutating func script(namespace: String, job: String, _ script: Script) { scripts["\(namespace)/\(job)"] = script }

    /// The Kustomization was asked to reconcile: apply the branch head's Job, recreating it when its image changed.
    mutating func reconcileKustomization(namespace: String, name: String, objects: inout KubernetesObjects) {
        guard let link = links["\(namespace)/\(name)"],
            let branchHead = FakeFlux.head(gitDirectory: link.gitDirectory, branch: link.branch),
            FakeFlux.markApplied(namespace: namespace, name: name, revision: branchHead.revision, objects: &objects)
        else { return }
        let head = branchHead.commit
        let file = FakeFlux.git(["--git-dir", link.gitDirectory, "show", "\(head):\(link.path)"]) ?? ""
        guard let tag = FakeFlux.newTag(of: link.image, in: file) else { return }
        let image = "\(link.image):\(tag)"
        if let job = objects[plural: "jobs", namespace: link.jobNamespace, name: link.job],
            Self.image(of: job) == image
        {
            return  // unchanged: the server-side apply is a no-op
        }
        startJob(link: link, image: image, objects: &objects)
    }

    /// Creates the Job (replacing an earlier one, as Flux's force apply does) with one active pod.
    mutating func startJob(link: Link, image: String, objects: inout KubernetesObjects) {
        counter += 1
        let uid = UUID().uuidString.lowercased()
        let key = "\(link.jobNamespace)/\(link.job)"
        let script = scripts[key] ?? Script(outcome: .succeed, logs: ["migrated"])
        let pod = "\(link.job)-\(String(format: "%05x", counter))"
        for old in objects.names("pods", namespace: link.jobNamespace, prefix: "\(link.job)-") {
            objects[plural: "pods", namespace: link.jobNamespace, name: old] = nil
        }
        let labels = [
            "job-name": link.job, "batch.kubernetes.io/job-name": link.job, "controller-uid": uid,
            "batch.kubernetes.io/controller-uid": uid,
        ]
        objects.store(
            "jobs", link.jobNamespace, link.job,
            [
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": [
                    "name": link.job, "namespace": link.jobNamespace, "uid": uid, "generation": 1,
                    "labels": ["kustomize.toolkit.fluxcd.io/name": link.kustomization],
                    "annotations": ["kustomize.toolkit.fluxcd.io/force": "enabled"],
                ],
                "spec": [
                    "backoffLimit": 0, "completions": 1, "parallelism": 1,
                    "selector": ["matchLabels": ["batch.kubernetes.io/controller-uid": uid]],
                    "template": [
                        "metadata": ["labels": labels],
                        "spec": [
                            "restartPolicy": "Never", "containers": [["name": "migrate", "image": image]],
                        ],
                    ],
                ],
                "status": ["active": 1, "startTime": K8s.Timestamp.format(Date()), "ready": 0],
            ])
        objects.store(
            "pods", link.jobNamespace, pod,
            [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": pod, "namespace": link.jobNamespace, "labels": labels,
                    "creationTimestamp": K8s.Timestamp.format(Date()),
                    "ownerReferences": [["kind": "Job", "name": link.job, "uid": uid, "controller": true]],
                ],
                "spec": ["restartPolicy": "Never", "containers": [["name": "migrate", "image": image]]],
                "status": [
                    "phase": "Running",
                    "containerStatuses": [
                        [
                            "name": "migrate", "image": image, "ready": true, "restartCount": 0,
                            "state": ["running": ["startedAt": K8s.Timestamp.format(Date())]],
                        ]
                    ],
                ],
            ])
        logs["\(link.jobNamespace)/\(pod)"] = script.logs
        runs[key] = Run(pod: pod, script: script)
    }

    /// A read of the Job: after `steps` reads it ends as scripted.
    mutating func advance(namespace: String, job name: String, objects: inout KubernetesObjects) {
        let key = "\(namespace)/\(name)"
        guard var run = runs[key], !run.ended else { return }
        run.reads += 1
        defer { runs[key] = run }
        guard run.reads >= steps, var job = objects[plural: "jobs", namespace: namespace, name: name],
            var pod = objects[plural: "pods", namespace: namespace, name: run.pod]
        else { return }
        let now = K8s.Timestamp.format(Date())
        switch run.script.outcome {
        case .hold:
            return
        case .succeed:
            job["status"] = [
                "succeeded": 1, "ready": 0, "startTime": now, "completionTime": now,
                "conditions": [
                    [
                        "type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached",
                        "message": "Reached expected number of succeeded pods", "lastTransitionTime": now,
                    ],
                    [
                        "type": "Complete", "status": "True", "reason": "CompletionsReached",
                        "message": "Reached expected number of succeeded pods", "lastTransitionTime": now,
                    ],
                ],
            ]
            pod["status"] = Self.podStatus(
                phase: "Succeeded", exitCode: 0, reason: "Completed", image: Self.image(of: job))
        case .fail(let exitCode):
            job["status"] = [
                "failed": 1, "ready": 0, "startTime": now,
                "conditions": [
                    [
                        "type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit", "lastTransitionTime": now,
                    ],
                    [
                        "type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit", "lastTransitionTime": now,
                    ],
                ],
            ]
            pod["status"] = Self.podStatus(
                phase: "Failed", exitCode: exitCode, reason: "Error", image: Self.image(of: job))
        }
        run.ended = true
        objects.bumpVersion(&job)
        objects[plural: "jobs", namespace: namespace, name: name] = job
        objects.bumpVersion(&pod)
        objects[plural: "pods", namespace: namespace, name: run.pod] = pod
    }

    /// The pod's log, its last `tailLines` lines when given, each ending in a newline; nil for an unknown pod.
    func log(namespace: String, pod: String, tailLines: Int?) -> String? {
        guard let lines = logs["\(namespace)/\(pod)"] else { return nil }
        let shown = tailLines.map { Array(lines.suffix(max(0, $0))) } ?? lines
        return shown.map { $0 + "\n" }.joined()
    }

    static func image(of job: [String: Any]) -> String? {
        (KubernetesObjects.value(job, path: ["spec", "template", "spec", "containers"]) as? [[String: Any]])?
            .first?["image"] as? String
    }

    private static func podStatus(phase: String, exitCode: Int, reason: String, image: String?) -> [String: Any] {
        let now = K8s.Timestamp.format(Date())
        return [
            "phase": phase,
            "containerStatuses": [
                [
                    "name": "migrate", "image": image ?? "", "ready": false, "restartCount": 0,
                    "state": [
                        "terminated": [
                            "exitCode": exitCode, "reason": reason, "startedAt": now, "finishedAt": now,
                        ]
                    ],
                ]
            ],
        ]
    }
}

extension FakeKubernetes {
    /// How a Job's pod ends.
    public enum JobOutcome: Sendable, Equatable {
        /// The pod exits 0; the Job gets `Complete`.
        case succeed
        /// The pod exits with `exitCode`; the Job gets `Failed` (`BackoffLimitExceeded`, backoffLimit 0).
        case fail(exitCode: Int)
        /// The pod keeps running.
        case hold
    }

    /// Adds a Flux Kustomization (and GitRepository when missing) that applies a Job from `path` in `gitDirectory`
    /// (a real bare repository): on a new `reconcile.fluxcd.io/requestedAt` it reads `newTag` of `image` there and,
    /// when the Job does not run `image:newTag` yet, recreates the Job with one pod.
    public func linkJob(
        namespace: String = "flux-system", kustomization: String, gitRepository: String, gitDirectory: String,
        branch: String = "main", path: String, jobNamespace: String, job: String, image: String
    ) {
        let revision = FakeFlux.head(gitDirectory: gitDirectory, branch: branch)?.revision
        cluster.withLock { cluster in
            FakeFlux.seed(
                namespace: namespace, kustomization: kustomization, gitRepository: gitRepository,
                url: "file://" + gitDirectory, branch: branch, path: path,
                revision: revision, objects: &cluster.objects)
            cluster.jobs.link(
                FakeJobController.Link(
                    namespace: namespace, kustomization: kustomization, gitDirectory: gitDirectory, branch: branch,
                    path: path, jobNamespace: jobNamespace, job: job, image: image))
        }
    }

    /// Sets how the Job's next run ends and what its pod logs.
    public func scriptJob(namespace: String, job: String, outcome: JobOutcome, logs: [String] = ["migrated"]) {
        cluster.withLock { $0.jobs.script(namespace: namespace, job: job, .init(outcome: outcome, logs: logs)) }
    }
}
