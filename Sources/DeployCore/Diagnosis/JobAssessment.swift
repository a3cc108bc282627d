/// Judges a pre-deploy Job (batch/v1) for one deploy: whether the Job running the deploy's image has completed,
/// is still running, or failed. Pure.
///
/// Jobs are immutable, so Flux recreates the Job when the committed image changes (`force`); until then the Job in
/// the cluster is the previous run, which says nothing about this deploy. Only a Job whose pod template runs the
/// expected image is judged.
public enum JobAssessment {
    public enum State: Sendable, Hashable {
        /// No Job yet, or the previous run: Flux has not applied the step's commit.
        case waitingForFlux
        /// The Job runs the expected image and has not finished; the text is for the live message.
        case running(String)
        case complete
        /// The Job failed: the `Failed` condition's reason and message, or the failed pod count.
        case failed(reason: String, message: String)
    }

    /// - Parameters:
    ///   - job: The Job, or nil when it does not exist.
    ///   - expectedImage: `<image>:<tag>` the Job's pods must run.
    public static func assess(_ job: K8s.Job?, expectedImage: String) -> State {
        guard let job, job.images.contains(expectedImage) else { return .waitingForFlux }
        let status = job.status
        if let failed = job.condition("Failed"), failed.isTrue {
            return .failed(reason: failed.reason ?? "Failed", message: failed.message ?? "the Job failed")
        }
        if let target = job.condition("FailureTarget"), target.isTrue {
            return .failed(reason: target.reason ?? "FailureTarget", message: target.message ?? "the Job is failing")
        }
        if let complete = job.condition("Complete"), complete.isTrue { return .complete }
        let active = status?.active ?? 0
        let failedPods = status?.failed ?? 0
        var text = active > 0 ? "running (\(active) pod\(active == 1 ? "" : "s"))" : "starting"
        if failedPods > 0 { text += ", \(failedPods) failed attempt\(failedPods == 1 ? "" : "s")" }
        return .running(text)
    }
}
