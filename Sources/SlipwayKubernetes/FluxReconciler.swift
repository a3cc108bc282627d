import DeployCore
import Foundation

/// Asks Flux to reconcile now instead of waiting for its interval, the way `flux reconcile kustomization
/// --with-source` does: it sets `reconcile.fluxcd.io/requestedAt` on the GitRepository, then on the Kustomization.
///
/// Flux copies the annotation's value into `status.lastHandledReconcileAt` once it has acted on the request.
public struct FluxReconciler: Sendable {
    /// The annotation Flux controllers watch for on-demand reconciliation.
    public static let requestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"

    public let client: KubernetesClient
    public let retry: KubernetesRetry

    public init(client: KubernetesClient, retry: KubernetesRetry = KubernetesRetry()) {
        self.client = client
        self.retry = retry
    }

    /// Annotates the GitRepository, then the Kustomization, with the request time.
    /// - Parameters:
    ///   - gitRepository: The GitRepository's name.
    ///   - kustomization: The Kustomization's name.
    ///   - namespace: The namespace of both (Flux's, usually `flux-system`).
    ///   - gitRepositoryNamespace: The GitRepository's namespace when it differs.
    ///   - date: The request time; it becomes the token.
    /// - Returns: The token written, e.g. `2026-11-20T10:00:00.123456789Z`; compare it with
    ///   `lastHandledReconcileAt` via `isHandled`.
    /// - Throws: `KubernetesError` (404 when an object does not exist, 403 without `patch` permission).
    @discardableResult
    public func requestReconcile(
        gitRepository: String, kustomization: String, namespace: String, gitRepositoryNamespace: String? = nil,
        at date: Date
    ) async throws -> String {
        let token = Self.token(for: date)
        let patch = Self.patchBody(token: token)
        let client = self.client
        try await retry.run {
            try await client.mergePatch(
                .gitRepositories, namespace: gitRepositoryNamespace ?? namespace, name: gitRepository, json: patch)
        }
        try await retry.run {
            try await client.mergePatch(.kustomizations, namespace: namespace, name: kustomization, json: patch)
        }
        return token
    }

    /// Whether Flux has handled the request with this token.
    /// - Throws: `KubernetesError`.
    public func isHandled(token: String, kustomization: String, namespace: String) async throws -> Bool {
        let client = self.client
        let object = try await retry.run {
            try await client.get(.kustomizations, namespace: namespace, name: kustomization)
        }
        return Self.isHandled(object, token: token)
    }

    /// Whether `status.lastHandledReconcileAt` equals the token.
    public static func isHandled(_ kustomization: K8s.Kustomization, token: String) -> Bool {
        kustomization.status?.lastHandledReconcileAt == token
    }

    /// RFC 3339 in UTC with nine fractional digits, e.g. `2026-11-20T10:00:00.123456789Z`.
    public static func token(for date: Date) -> String { K8s.Timestamp.format(date, fractionDigits: 9) }

    /// `{"metadata":{"annotations":{"reconcile.fluxcd.io/requestedAt":"<token>"}}}`.
    public static func patchBody(token: String) -> [UInt8] {
        // The token is our own RFC 3339 text: no character needs JSON escaping.
        Array(#"{"metadata":{"annotations":{"\#(requestedAtAnnotation)":"\#(token)"}}}"#.utf8)
    }
}
