import DeployCore
import Foundation
import SlipwayGitOps
import SlipwayKubernetes

/// Runs an environment's pre-deploy steps (a database migration) for a deploy before its application tag is
/// committed: for each step, in order, it commits the deploy's tag to the step's kustomization (the same editor as the
/// application's), asks Flux to reconcile it, and waits for the step's Job to complete with that image.
///
/// Progress goes to the deploy's live message (`.progress`). A failed or timed-out Job ends the run with the cause and
/// the failing pod's last log lines; the caller then fails the deploy without committing the application. Everything
/// it waits for is in git and the cluster, so after a restart the same run finds its commit (already current) and
/// its Job (already complete) and goes on.
public struct PreDeploySteps: Sendable {
    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        /// Every step's Job completed: commit the application.
        case completed
        /// A step failed: fail the deploy with this, commit nothing more.
        case failed(MigrationFailure)
        /// The deploy left `committing` meanwhile (superseded, cancelled): stop.
        case abandoned
    }

    let coordinator: DeployCoordinator
    let gitops: GitOpsRepository
    /// The client of each cluster; a step runs in its environment's cluster.
    let clusters: ClusterClients
    let log: Log
    /// Seconds between reads of a Job.
    public let pollInterval: Double

    public init(
        coordinator: DeployCoordinator, gitops: GitOpsRepository, clusters: ClusterClients, log: Log,
        pollInterval: Double = 1
    ) {
        self.coordinator = coordinator
        self.gitops = gitops
        self.clusters = clusters
        self.log = log.with(["component": "pre-deploy"])
        self.pollInterval = max(0.01, pollInterval)
    }

    /// Runs the steps of `env` for `deploy`, in order.
    public func run(_ deploy: Deploy, service: ServiceEntry, env: EnvironmentEntry) async -> Outcome {
        for (index, step) in env.preDeploy.enumerated() {
            let done = env.preDeploy[..<index].map { "`\($0.name)` ✓" }
            let outcome = await run(step, of: deploy, service: service, env: env, done: done)
            guard outcome == .completed else { return outcome }
        }
        if !env.preDeploy.isEmpty {
            await progress(deploy, "pre-deploy " + env.preDeploy.map { "`\($0.name)` ✓" }.joined(separator: ", "))
        }
        return .completed
    }

    private func run(
        _ step: PreDeployStep, of deploy: Deploy, service: ServiceEntry, env: EnvironmentEntry, done: [String]
    ) async -> Outcome {
        let about = deploy.logMetadata.merging(["step": step.name]) { a, _ in a }
        let prefix = (done + ["`\(step.name)`"]).joined(separator: ", ")
        let expectedImage = "\(service.image):\(deploy.targetTag)"
        func fail(_ kind: MigrationFailure.Kind, pod: String? = nil, lines: [String] = []) -> Outcome {
            .failed(MigrationFailure(step: step.name, job: step.job.description, kind: kind, pod: pod, logLines: lines))
        }

        guard let client = clusters.client(for: env) else {
            return fail(.notStarted("no Kubernetes client for cluster \(SlipwayConfig.clusterName(of: env))"))
        }
        let jobs = JobObserver(client: client)
        let reconciler = FluxReconciler(client: client)

        // 1. The step's commit: the deploy's tag in the step's kustomization.
        await progress(deploy, "pre-deploy \(prefix): committing")
        let change = ImageTagChange(
            file: step.kustomization, image: service.image, newTag: deploy.targetTag, service: deploy.service,
            environment: "\(deploy.environment)/\(step.name)", deployId: "\(deploy.id)/\(step.name)",
            requestedBy: deploy.source == .ci ? "ci" : deploy.requestedBy, sourceCommit: deploy.sourceCommit,
            note: "Pre-deploy step \(step.name) of deploy \(deploy.id): the application follows once Job "
                + "\(step.job) completes.")
        let startedAt = coordinator.clock()
        do {
            switch try await gitops.commitImageTag(change) {
            case .committed(let commit, let oldTag):
                log.info(
                    "pre-deploy commit \(oldTag ?? "(none)") → \(deploy.targetTag) as \(commit.prefix(12))",
                    metadata: about)
            case .alreadyCurrent:
                log.info("pre-deploy file already at \(deploy.targetTag)", metadata: about)
            }
        } catch let error as GitOpsError {
            return fail(.notStarted("its commit to \(step.kustomization) failed: \(error.message)"))
        } catch {
            return fail(.notStarted("its commit to \(step.kustomization) failed: \(error)"))
        }

        // 2. Reconcile now (Flux picks the commit up at its interval anyway, so a failure here is only logged).
        do {
            try await reconciler.requestReconcile(
                gitRepository: step.gitRepository, kustomization: step.flux.name, namespace: step.flux.namespace,
                at: coordinator.clock())
        } catch {
            log.warning("reconcile request failed: \(error) (Flux will still pick the commit up)", metadata: about)
        }

        // 3. Wait for the Job that runs the deploy's image.
        let deadline = startedAt.addingTimeInterval(step.timeoutSeconds)
        var lastProgress = ""
        var lastJob: K8s.Job?
        while !Task.isCancelled {
            guard await stillCommitting(deploy) else { return .abandoned }
            do {
                lastJob = try await jobs.job(step.job)
                switch JobAssessment.assess(lastJob, expectedImage: expectedImage) {
                case .complete:
                    log.info("Job \(step.job) completed", metadata: about)
                    return .completed
                case .failed(let reason, let message):
                    let (pod, lines) = await failingPodLog(lastJob, jobs: jobs)
                    log.warning("Job \(step.job) failed: \(reason): \(message)", metadata: about)
                    return fail(.failed(reason: reason, message: message), pod: pod, lines: lines)
                case .running(let text):
                    let line = "pre-deploy \(prefix): Job \(step.job) \(text)"
                    if line != lastProgress {
                        lastProgress = line
                        await progress(deploy, line)
                    }
                case .waitingForFlux:
                    let line = "pre-deploy \(prefix): waiting for Flux to apply Job \(step.job)"
                    if line != lastProgress {
                        lastProgress = line
                        await progress(deploy, line)
                    }
                }
            } catch {
                log.warning("cannot read Job \(step.job): \(error)", metadata: about)
            }
            if coordinator.clock() >= deadline {
                let ours = lastJob.map { JobAssessment.assess($0, expectedImage: expectedImage) != .waitingForFlux }
                let (pod, lines) = ours == true ? await failingPodLog(lastJob, jobs: jobs) : (nil, [])
                return fail(.timedOut(seconds: Int(step.timeoutSeconds)), pod: pod, lines: lines)
            }
            try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
        }
        return .abandoned
    }

    /// The failing pod's name and last log lines, or nothing when they cannot be read.
    private func failingPodLog(_ job: K8s.Job?, jobs: JobObserver) async -> (String?, [String]) {
        guard let job, let pods = try? await jobs.pods(of: job), let pod = JobObserver.failingPod(pods) else {
            return (nil, [])
        }
        let lines = (try? await jobs.logTail(namespace: job.metadata.namespace ?? "", pod: pod.name)) ?? []
        return (pod.name, lines)
    }

    private func stillCommitting(_ deploy: Deploy) async -> Bool {
        let store = coordinator.store
        let current = try? await store.executor.run { try store.read { r in try r.deploy(id: deploy.id) } }
        return current?.state == .committing
    }

    private func progress(_ deploy: Deploy, _ text: String) async {
        _ = try? await coordinator.apply(.progress(text), deployId: deploy.id, actor: "slipway")
    }
}
