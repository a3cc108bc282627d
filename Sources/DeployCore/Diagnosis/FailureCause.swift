/// Why a deploy failed, with the details a person needs to act, and the runbook that explains the fix.
///
/// `title` and `summary` are plain text (no Slack markup); the Slack layer escapes them.
public enum FailureCause: Sendable, Hashable, Codable {
    /// A container was `OOMKilled`: it used more memory than its limit (`limit` is nil when none is set).
    case memoryLimit(container: String, limit: String?, pod: String, restarts: Int)
    /// The scheduler cannot place a pod because no node has enough free memory for its request.
    case memoryRequestTooLarge(container: String?, request: String?, message: String)
    /// A Secret the pod needs does not exist; `sealedSecret` says what its SealedSecret is doing.
    case missingSecret(name: String, sealedSecret: SealedSecretState)
    /// The pod reads a key the ConfigMap does not have; `closestKeys` are existing keys that look alike.
    case configMapKeyTypo(key: String, configMap: String, closestKeys: [String])
    /// A ConfigMap the pod needs does not exist.
    case missingConfigMap(name: String)
    /// The kubelet cannot pull the image.
    case imagePull(image: String, message: String)
    /// A container keeps exiting; `message` is its termination message or reason.
    case crashLoop(container: String, exitCode: Int?, message: String)
    /// Flux could not build or apply the manifests at the pushed commit.
    case invalidManifest(message: String)
    /// A stage did not finish in time and nothing more specific was found.
    case timeout(stage: Stage, seconds: Int)
    /// Nothing recognisable; `message` is the most telling raw status message.
    case unknown(message: String)
    /// helm-controller failed to install or upgrade the HelmRelease (and perhaps remediated it).
    case helmRelease(HelmReleaseFailure)

    /// The part of a deploy that timed out.
    public enum Stage: String, Sendable, Hashable, Codable {
        /// Waiting for Flux to fetch and apply the pushed commit.
        case reconcile
        /// Flux's own health check (`wait: true` / `healthChecks`) on the applied objects.
        case healthCheck = "health_check"
        /// Waiting for the Deployment's rollout to complete.
        case rollout
    }

    /// A stable machine code, stored in `FailureRecord.cause` and usable in metrics labels.
    public var code: String {
        switch self {
        case .memoryLimit: "memory_limit"
        case .memoryRequestTooLarge: "memory_request_too_large"
        case .missingSecret: "missing_secret"
        case .configMapKeyTypo: "configmap_key_typo"
        case .missingConfigMap: "missing_configmap"
        case .imagePull: "image_pull"
        case .crashLoop: "crash_loop"
        case .invalidManifest: "invalid_manifest"
        case .timeout: "timeout"
        case .unknown: "unknown"
        case .helmRelease: HelmReleaseFailure.code
        }
    }

    /// A short headline, e.g. "Container ran out of memory".
    public var title: String {
        switch self {
        case .memoryLimit: "Container ran out of memory"
        case .memoryRequestTooLarge: "Memory request too large for any node"
        case .missingSecret(_, .notSynced): "SealedSecret could not be unsealed"
        case .missingSecret: "Secret not found"
        case .configMapKeyTypo: "ConfigMap key not found"
        case .missingConfigMap: "ConfigMap not found"
        case .imagePull: "Image could not be pulled"
        case .crashLoop: "Container keeps crashing"
        case .invalidManifest: "Manifests are invalid"
        case .timeout: "Deploy timed out"
        case .unknown: "Deploy failed"
        case .helmRelease(let failure): failure.title
        }
    }

    /// One or two plain-text sentences with the details.
    public var summary: String {
        switch self {
        case .memoryLimit(let container, let limit, let pod, let restarts):
            let restarted = restarts == 1 ? "restarted once" : "restarted \(restarts) times"
            if let limit {
                return "Container \"\(container)\" in pod \(pod) was OOMKilled: it used more than its \(limit) "
                    + "memory limit. It has \(restarted)."
            }
            return "Container \"\(container)\" in pod \(pod) was OOMKilled: it has no memory limit and the node ran "
                + "out of memory. It has \(restarted)."
        case .memoryRequestTooLarge(let container, let request, let message):
            let what: String
            switch (container, request) {
            case (let container?, let request?): what = "container \"\(container)\" requests \(request) of memory"
            case (nil, let request?): what = "the pod requests \(request) of memory"
            default: what = "the pod's memory request"
            }
            return "No node can run the new pods: \(what), more than any node has free. Scheduler: \(message)"
        case .missingSecret(let name, .absent):
            return "Secret \"\(name)\" does not exist and there is no SealedSecret named \"\(name)\" in the "
                + "namespace. Commit a SealedSecret for it, sealed with this cluster's certificate."
        case .missingSecret(let name, .notSynced(let message)):
            return "Secret \"\(name)\" does not exist because its SealedSecret could not be unsealed: \(message)."
        case .missingSecret(let name, .synced):
            return "Secret \"\(name)\" was not found when the pod started, although its SealedSecret now reports "
                + "Synced."
        case .configMapKeyTypo(let key, let configMap, let closestKeys):
            let hint: String
            switch closestKeys.count {
            case 0: hint = "Check the key name in the Deployment."
            case 1: hint = "Did you mean \(closestKeys[0])?"
            default: hint = "Did you mean one of \(closestKeys.joined(separator: ", "))?"
            }
            return "The pod reads key \(key) from ConfigMap \"\(configMap)\", which has no such key. \(hint)"
        case .missingConfigMap(let name):
            return "ConfigMap \"\(name)\" does not exist in the namespace, so the pod cannot start."
        case .imagePull(let image, let message):
            return "Kubernetes cannot pull image \(image): \(message)"
        case .crashLoop(let container, let exitCode, let message):
            let code = exitCode.map { " with exit code \($0)" } ?? ""
            return "Container \"\(container)\" keeps exiting\(code): \(message)"
        case .invalidManifest(let message):
            return "Flux could not apply the pushed commit: \(message)"
        case .timeout(.reconcile, let seconds):
            return "Flux did not apply the pushed commit within \(Self.duration(seconds))."
        case .timeout(.healthCheck, let seconds):
            return "Flux's health check gave up after \(Self.duration(seconds)): the workload did not become ready."
        case .timeout(.rollout, let seconds):
            return "The rollout did not complete within \(Self.duration(seconds))."
        case .unknown(let message):
            return "Slipway could not name the cause. Last status: \(message)"
        case .helmRelease(let failure):
            return failure.summary
        }
    }

    /// The runbook's file name in `runbooks/`.
    public var runbook: String {
        switch self {
        case .memoryLimit, .memoryRequestTooLarge: "memory-limits.md"
        case .missingSecret: "missing-sealed-secret.md"
        case .configMapKeyTypo, .missingConfigMap: "configmap-typo.md"
        case .imagePull: "image-pull.md"
        case .crashLoop: "crash-loop.md"
        case .invalidManifest: "invalid-manifest.md"
        // The timeout runbook is also the general "find out why a rollout is stuck" guide.
        case .timeout, .unknown: "rollout-timeout.md"
        case .helmRelease: HelmReleaseFailure.runbook
        }
    }

    /// The heading anchor inside the runbook, when the cause has its own section.
    public var runbookSection: String? {
        switch self {
        case .memoryRequestTooLarge: "memory-request-too-large"
        case .missingConfigMap: "missing-configmap"
        default: nil
        }
    }

    /// The runbook's address: `<baseURL>/<file>`, plus `#<section>` when the cause has its own section.
    /// - Parameter baseURL: Where the `runbooks/` folder is published, with or without a trailing slash.
    public func runbookURL(baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let url = "\(base)/\(runbook)"
        return runbookSection.map { "\(url)#\($0)" } ?? url
    }

    /// The failure as recorded on a deploy.
    public var record: FailureRecord {
        FailureRecord(cause: code, title: title, summary: summary, runbook: runbook)
    }

    private static func duration(_ seconds: Int) -> String {
        if seconds >= 120, seconds % 60 == 0 { return "\(seconds / 60) minutes" }
        return seconds == 1 ? "1 second" : "\(seconds) seconds"
    }
}
