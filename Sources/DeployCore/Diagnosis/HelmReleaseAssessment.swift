/// Judges a Flux HelmRelease (helm.toolkit.fluxcd.io/v2) for its current generation: released, still being worked
/// on, or failed (with Flux's remediation). Pure.
///
/// The generation a deploy waits for is the one the Kustomization applied with the pushed commit. A condition counts
/// for it only when its `observedGeneration` (or, without one, `status.lastAttemptedGeneration`) has reached
/// `metadata.generation`: a failure and rollback of an earlier generation is not this deploy's.
public enum HelmReleaseAssessment {
    /// Where a HelmRelease stands.
    public enum State: Sendable, Hashable {
        /// helm-controller has not finished the current generation; the text says what it reports.
        case pending(String)
        /// Ready for the current generation.
        case ready
        case failed(HelmReleaseFailure)
    }

    /// Reasons of a `Released` or `Ready` condition that mean the install or upgrade failed.
    static let failureReasons: Set<String> = [
        "InstallFailed", "UpgradeFailed", "TestFailed", "RollbackSucceeded", "UninstallSucceeded", "RollbackFailed",
        "UninstallFailed", "RetriesExceeded",
    ]

    /// - Parameter helmRelease: The HelmRelease as read from the API server.
    public static func assess(_ helmRelease: K8s.HelmRelease) -> State {
        let generation = helmRelease.metadata.generation ?? 0
        let status = helmRelease.status
        func current(_ condition: K8s.Condition?) -> K8s.Condition? {
            guard let condition else { return nil }
            let observed = condition.observedGeneration ?? status?.lastAttemptedGeneration ?? status?.observedGeneration
            return (observed ?? 0) >= generation ? condition : nil
        }
        let released = current(helmRelease.condition("Released"))
        let ready = current(helmRelease.condition("Ready"))
        let remediated = current(helmRelease.condition("Remediated"))
        let stalled = current(helmRelease.condition("Stalled"))
        let test = current(helmRelease.condition("TestSuccess"))

        let failing: K8s.Condition? =
            if let released, released.isFalse, failureReasons.contains(released.reason ?? "") {
                released
            } else if let test, test.isFalse {
                test
            } else if let ready, ready.isFalse, failureReasons.contains(ready.reason ?? "") {
                ready
            } else if let stalled, stalled.isTrue {
                stalled
            } else if let remediated, remediated.isTrue {
                remediated
            } else {
                nil
            }
        if let failing {
            let reason = failing.reason ?? failing.type
            let action =
                status?.lastAttemptedReleaseAction ?? (reason.hasPrefix("Install") ? "install" : "upgrade")
            let remediation = remediated.flatMap { $0.isTrue ? $0 : nil }
            return .failed(
                HelmReleaseFailure(
                    release: "\(helmRelease.metadata.namespace ?? "")/\(helmRelease.metadata.name ?? "")",
                    action: action, reason: reason,
                    message: failing.message ?? "no message", remediation: remediation?.reason,
                    remediationMessage: remediation == failing ? nil : remediation?.message,
                    chartVersion: status?.lastAttemptedRevision))
        }
        if let ready, ready.isTrue, (status?.observedGeneration ?? generation) >= generation {
            return .ready
        }
        let said = helmRelease.condition("Reconciling")?.message ?? helmRelease.condition("Ready")?.message
        return .pending(said ?? "waiting for helm-controller to release generation \(generation)")
    }
}
