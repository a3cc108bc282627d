/// A Helm install or upgrade that helm-controller reported failed for the HelmRelease generation a deploy applied,
/// with what Flux did about it (its remediation: a rollback or an uninstall).
///
/// All text is plain (no Slack markup); the Slack layer escapes it.
public struct HelmReleaseFailure: Sendable, Hashable, Codable {
    /// `<namespace>/<name>` of the HelmRelease.
    public var release: String
    /// `install` or `upgrade` (from `status.lastAttemptedReleaseAction`, or the condition's reason).
    public var action: String
    /// The failing condition's reason, e.g. `UpgradeFailed`, `InstallFailed`, `TestFailed`, `RetriesExceeded`.
    public var reason: String
    /// The failing condition's message, e.g. `Helm upgrade failed for release shop/shop with chart shop@1.4.2: …`.
    public var message: String
    /// The `Remediated` condition's reason, e.g. `RollbackSucceeded`, `UninstallSucceeded`, `RollbackFailed`.
    public var remediation: String?
    /// The `Remediated` condition's message.
    public var remediationMessage: String?
    /// The chart version attempted (`status.lastAttemptedRevision`).
    public var chartVersion: String?

    public init(
        release: String, action: String, reason: String, message: String, remediation: String? = nil,
        remediationMessage: String? = nil, chartVersion: String? = nil
    ) {
        self.release = release
        self.action = action
        self.reason = reason
        self.message = message
        self.remediation = remediation
        self.remediationMessage = remediationMessage
        self.chartVersion = chartVersion
    }

    public static let code = "helm_release_failed"
    public static let runbook = "helm-release-failed.md"

    /// "Helm upgrade failed" or "Helm install failed".
    public var title: String { "Helm \(action == "install" ? "install" : "upgrade") failed" }

    /// What failed, the controller's message, and whether Flux rolled it back.
    public var summary: String {
        let chart = chartVersion.map { " (chart \($0))" } ?? ""
        var text = "HelmRelease \(release)\(chart): \(reason): \(message)"
        if !text.hasSuffix(".") { text += "." }
        switch remediation {
        case "RollbackSucceeded"?:
            text += " Flux rolled the release back to the previous version"
        case "UninstallSucceeded"?:
            text += " Flux uninstalled the failed release"
        case let other?:
            text += " Flux's remediation did not succeed (\(other))"
        case nil:
            break
        }
        if remediation != nil {
            text += remediationMessage.map { ": \($0)" } ?? ""
            if !text.hasSuffix(".") { text += "." }
        }
        return text
    }
}
