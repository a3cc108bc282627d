import DeployCore
import Foundation

extension FluxReconciler {
    /// Asks helm-controller to reconcile a HelmRelease now (`reconcile.fluxcd.io/requestedAt`), as
    /// `flux reconcile helmrelease` does. The Kustomization applying a new generation triggers it too; the request
    /// also covers a HelmRelease whose generation did not change (a chart from a moving source).
    /// - Throws: `KubernetesError` (404 when it does not exist yet, 403 without `patch` permission).
    public func requestReconcile(helmRelease: ObjectRef, at date: Date) async throws {
        let patch = Self.patchBody(token: Self.token(for: date))
        let client = self.client
        try await retry.run {
            try await client.mergePatch(
                .helmReleases, namespace: helmRelease.namespace, name: helmRelease.name, json: patch)
        }
    }

    /// The annotation Slipway puts on an ImageUpdateAutomation it suspended, with the reason as its value: only an
    /// automation carrying it is resumed, never one a person suspended.
    public static let suspendedByAnnotation = "slipway.dev/suspended-for"

    /// Suspends (`spec.suspend: true`) or resumes an ImageUpdateAutomation with a merge patch, recording or removing
    /// `suspendedByAnnotation`.
    /// - Parameters:
    ///   - reason: Why it is suspended (recorded in the annotation), or nil to resume.
    /// - Returns: The object after the patch.
    /// - Throws: `KubernetesError`.
    @discardableResult
    public func setImageAutomation(_ automation: ImageAutomationRef, suspendedFor reason: String?) async throws
        -> K8s.ImageUpdateAutomation
    {
        let annotation = reason.map { JSONText.quoted($0) } ?? "null"
        let patch = Array(
            #"{"metadata":{"annotations":{"\#(Self.suspendedByAnnotation)":\#(annotation)}},"spec":{"suspend":\#(reason != nil)}}"#
                .utf8)
        let client = self.client
        return try await retry.run {
            try await client.mergePatch(
                .imageUpdateAutomations(apiVersion: automation.apiVersion), namespace: automation.object.namespace,
                name: automation.object.name, json: patch)
        }
    }
}

/// JSON string quoting for the few patch bodies built by hand.
enum JSONText {
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
