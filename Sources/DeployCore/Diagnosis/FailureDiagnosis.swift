import Foundation

/// Names the cause of a failed or stuck deploy from what the cluster shows. Pure: no I/O, no clock.
///
/// Order: invalid manifests first (nothing else matters if Flux cannot apply), then what the pods say, most specific
/// first (OOMKilled, unschedulable for memory, missing Secret, ConfigMap key typo, missing ConfigMap, image pull,
/// crash loop), then timeouts, then the most telling raw message.
public enum FailureDiagnosis {
    /// Names the cause; never fails (the last resort is `.unknown` with a raw status message).
    /// - Parameter evidence: The deploy's Flux objects, Deployment, pods of the new ReplicaSet, events, SealedSecrets
    ///   and ConfigMaps.
    /// - Returns: The most specific cause found.
    public static func diagnose(_ evidence: ClusterEvidence) -> FailureCause {
        if let kustomization = evidence.kustomization, let cause = manifestFailure(kustomization) { return cause }
        if let cause = podFailure(in: evidence) { return cause }
        if let cause = lesserPodProblem(in: evidence) { return cause }
        if let deployment = evidence.deployment, case .failed = RolloutStatus.evaluate(deployment) {
            return .timeout(stage: .rollout, seconds: deployment.spec?.progressDeadlineSeconds ?? 600)
        }
        if let ready = evidence.kustomization?.ready, ready.isFalse, ready.reason == "HealthCheckFailed" {
            let seconds = ready.message.flatMap(healthCheckSeconds) ?? 0
            return .timeout(stage: .healthCheck, seconds: seconds)
        }
        return .unknown(message: fallbackMessage(evidence))
    }

    /// The Flux failure that means the manifests at the attempted revision cannot be built or applied, or nil.
    ///
    /// `BuildFailed` and `ArtifactFailed` always qualify; `ReconciliationFailed` when its message is a validation
    /// error (a dry-run rejected by the API server, a decoding error). `HealthCheckFailed` does not: the manifests
    /// applied and the workload is to blame.
    public static func manifestFailure(_ kustomization: K8s.Kustomization) -> FailureCause? {
        guard let ready = kustomization.ready, ready.isFalse else { return nil }
        let message = clip(ready.message ?? ready.reason ?? "Ready=False")
        switch ready.reason {
        case "BuildFailed", "ArtifactFailed":
            return .invalidManifest(message: message)
        case "ReconciliationFailed":
            let lower = message.lowercased()
            let validation = [
                "dry-run failed", "is invalid", "invalid", "validation", "unknown field", "failed to decode",
                "cannot unmarshal", "no matches for kind", "admission webhook", "denied the request",
            ]
            return validation.contains { lower.contains($0) } ? .invalidManifest(message: message) : nil
        default:
            return nil
        }
    }

    /// A definite failure shown by the pods (or their events), or nil when no pod has failed for sure.
    ///
    /// "Definite" means the kubelet or scheduler has reported an error that will not fix itself without a change:
    /// it is safe to fail the deploy on it before any timeout.
    public static func podFailure(in evidence: ClusterEvidence) -> FailureCause? {
        var best: (rank: Int, cause: FailureCause)?
        func offer(_ rank: Int, _ cause: FailureCause) {
            if best == nil || rank < best!.rank { best = (rank, cause) }
        }
        for pod in evidence.pods {
            for status in pod.allContainerStatuses {
                let spec = pod.container(named: status.name)
                let restarts = status.restartCount ?? 0
                if status.state?.terminated?.reason == "OOMKilled"
                    || status.lastState?.terminated?.reason == "OOMKilled"
                {
                    offer(
                        0,
                        .memoryLimit(
                            container: status.name, limit: spec?.memoryLimit, pod: pod.name, restarts: restarts))
                }
                guard let waiting = status.state?.waiting, let reason = waiting.reason else { continue }
                let message = waiting.message ?? ""
                switch reason {
                case "CreateContainerConfigError", "CreateContainerError", "RunContainerError":
                    if let (rank, cause) = configurationCause(message, evidence: evidence) {
                        offer(rank, cause)
                    } else {
                        offer(7, .unknown(message: clip("\(reason): \(message)")))
                    }
                case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable":
                    let image = quoted(in: message, after: "image ") ?? status.image ?? spec?.image ?? "?"
                    offer(5, .imagePull(image: image, message: clip(message.isEmpty ? reason : message)))
                case "CrashLoopBackOff":
                    let terminated = status.lastState?.terminated
                    offer(
                        6,
                        .crashLoop(
                            container: status.name, exitCode: terminated?.exitCode,
                            message: crashMessage(terminated, restarts: restarts)))
                default:
                    break
                }
            }
            if let scheduled = pod.status?.conditions?[type: "PodScheduled"], scheduled.isFalse,
                let message = scheduled.message, message.contains("Insufficient memory")
            {
                offer(1, memoryRequestTooLarge(pod: pod, message: message))
            }
        }
        for event in relevantEvents(evidence) {
            let message = event.message ?? ""
            switch event.reason {
            case "FailedScheduling" where message.contains("Insufficient memory"):
                let pod = evidence.pods.first { $0.name == event.involvedObject?.name }
                offer(1, memoryRequestTooLarge(pod: pod, message: message))
            case "FailedMount", "FailedAttachVolume", "Failed":
                if let (rank, cause) = configurationCause(message, evidence: evidence) { offer(rank, cause) }
            default:
                break
            }
        }
        return best?.cause
    }

    // MARK: - Lesser signals, used once a deploy is known to be failing

    /// Problems that are not definite on their own (a container exited once, a pod waits for a node for another
    /// reason than memory) but name the cause better than a timeout.
    static func lesserPodProblem(in evidence: ClusterEvidence) -> FailureCause? {
        for pod in evidence.pods {
            for status in pod.allContainerStatuses {
                for terminated in [status.state?.terminated, status.lastState?.terminated].compactMap({ $0 })
                where (terminated.exitCode ?? 0) != 0 {
                    return .crashLoop(
                        container: status.name, exitCode: terminated.exitCode,
                        message: crashMessage(terminated, restarts: status.restartCount ?? 0))
                }
            }
        }
        for pod in evidence.pods {
            if let scheduled = pod.status?.conditions?[type: "PodScheduled"], scheduled.isFalse,
                let message = scheduled.message
            {
                return .unknown(message: clip("Pod \(pod.name) cannot be scheduled: \(message)"))
            }
        }
        return nil
    }

    private static func fallbackMessage(_ evidence: ClusterEvidence) -> String {
        if let ready = evidence.kustomization?.ready, ready.isFalse, let message = ready.message, !message.isEmpty {
            return clip(message)
        }
        if let workload = evidence.workload,
            case .progressing(_, _, _, let message) = RolloutStatus.evaluate(workload)
        {
            return message
        }
        if let event = relevantEvents(evidence).last(where: { $0.type == "Warning" }), let message = event.message {
            return clip("\(event.reason ?? "Warning"): \(message)")
        }
        return "no failure details were found in the cluster"
    }

    // MARK: - Message parsing

    /// Secret / ConfigMap problems in kubelet messages, ranked.
    private static func configurationCause(_ message: String, evidence: ClusterEvidence) -> (Int, FailureCause)? {
        if let name = notFoundName(in: message, kinds: ["secret", "secrets"]) {
            return (2, .missingSecret(name: name, sealedSecret: sealedSecretState(name, evidence.sealedSecrets)))
        }
        if let (key, configMap) = missingConfigMapKey(in: message) {
            return (
                3,
                .configMapKeyTypo(
                    key: key, configMap: configMap,
                    closestKeys: closestKeys(to: key, in: configMap, evidence.configMaps))
            )
        }
        if let name = notFoundName(in: message, kinds: ["configmap", "configmaps"]) {
            return (4, .missingConfigMap(name: name))
        }
        return nil
    }

    private static func sealedSecretState(_ name: String, _ sealedSecrets: [K8s.SealedSecret]) -> SealedSecretState {
        guard let sealed = sealedSecrets.first(where: { $0.name == name }) else { return .absent }
        guard let synced = sealed.synced else {
            return .notSynced(message: "the sealed-secrets controller has not reported on it")
        }
        if synced.isTrue { return .synced }
        return .notSynced(message: clip(synced.message ?? synced.reason ?? "Synced=\(synced.status)"))
    }

    /// `secret "db-creds" not found` → `db-creds` (also inside `MountVolume.SetUp failed for volume …`).
    static func notFoundName(in message: String, kinds: [String]) -> String? {
        let lower = message.lowercased()
        for kind in kinds {
            var searchStart = lower.startIndex
            while let range = lower.range(of: "\(kind) \"", range: searchStart..<lower.endIndex) {
                searchStart = range.upperBound
                // Only a whole word: `configmap "` must not match inside `xconfigmap "`.
                if range.lowerBound > lower.startIndex {
                    let before = lower[lower.index(before: range.lowerBound)]
                    if before.isLetter { continue }
                }
                guard let close = lower[range.upperBound...].firstIndex(of: "\"") else { continue }
                guard lower[close...].dropFirst().hasPrefix(" not found") else { continue }
                // Take the name from the original text to keep its case.
                let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
                let length = lower.distance(from: range.upperBound, to: close)
                let start = message.index(message.startIndex, offsetBy: offset)
                return String(message[start..<message.index(start, offsetBy: length)])
            }
        }
        return nil
    }

    /// `couldn't find key DATABSE_URL in ConfigMap shop/shop-config` → (`DATABSE_URL`, `shop-config`).
    static func missingConfigMapKey(in message: String) -> (key: String, configMap: String)? {
        guard let start = message.range(of: "couldn't find key ") else { return nil }
        let rest = message[start.upperBound...]
        guard let marker = rest.range(of: " in ConfigMap ") else { return nil }
        let key = String(rest[..<marker.lowerBound])
        var reference = rest[marker.upperBound...].prefix { !$0.isWhitespace }
        while let last = reference.last, last == "." || last == "," { reference.removeLast() }
        let name = reference.split(separator: "/").last.map(String.init) ?? ""
        guard !key.isEmpty, !name.isEmpty else { return nil }
        return (key, name)
    }

    /// Existing keys of the named ConfigMap that look like `key`, closest first (at most three).
    static func closestKeys(to key: String, in configMap: String, _ configMaps: [K8s.ConfigMap]) -> [String] {
        guard let keys = configMaps.first(where: { $0.name == configMap })?.keys else { return [] }
        let needle = Array(key.lowercased().unicodeScalars)
        let limit = max(2, needle.count / 3)
        var scored: [(key: String, distance: Int)] = []
        for candidate in keys where candidate != key {
            let distance = Suggestion.editDistance(needle, Array(candidate.lowercased().unicodeScalars))
            if distance <= limit { scored.append((candidate, distance)) }
        }
        scored.sort { $0.distance == $1.distance ? $0.key < $1.key : $0.distance < $1.distance }
        return scored.prefix(3).map(\.key)
    }

    private static func memoryRequestTooLarge(pod: K8s.Pod?, message: String) -> FailureCause {
        let containers = pod?.spec?.allContainers ?? []
        let largest = containers.filter { $0.memoryRequest != nil }
            .max { (quantity($0.memoryRequest!) ?? 0) < (quantity($1.memoryRequest!) ?? 0) }
        return .memoryRequestTooLarge(container: largest?.name, request: largest?.memoryRequest, message: clip(message))
    }

    private static func crashMessage(_ terminated: K8s.ContainerStatus.Terminated?, restarts: Int) -> String {
        if let message = terminated?.message?.trimmingCharacters(in: .whitespacesAndNewlines), !message.isEmpty {
            return clip(message)
        }
        let times = restarts == 1 ? "once" : "\(restarts) times"
        return "restarted \(times) (last termination reason: \(terminated?.reason ?? "unknown"))"
    }

    /// Events about the evidence's pods (or, with no pods, about objects named after the Deployment).
    static func relevantEvents(_ evidence: ClusterEvidence) -> [K8s.Event] {
        let podNames = Set(evidence.pods.map(\.name))
        let deploymentName = evidence.workload?.metadata.name
        return evidence.events.filter { event in
            guard let name = event.involvedObject?.name else { return false }
            if podNames.contains(name) { return true }
            if podNames.isEmpty, let deploymentName {
                return name == deploymentName || name.hasPrefix(deploymentName + "-")
            }
            return false
        }
    }

    /// The first double-quoted text after `marker`.
    private static func quoted(in message: String, after marker: String) -> String? {
        guard let start = message.range(of: marker + "\"") else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let text = rest[..<end]
        return text.isEmpty ? nil : String(text)
    }

    /// `health check failed after 5m0.012s: timeout waiting for: …` → 300.
    static func healthCheckSeconds(_ message: String) -> Int? {
        guard let after = message.range(of: "after ") else { return nil }
        let token = message[after.upperBound...].prefix { $0 != ":" && !$0.isWhitespace }
        return goDurationSeconds(String(token)).map { Int($0) }
    }

    /// Parses a Go duration (`1h2m3.5s`, `300ms`) into seconds.
    static func goDurationSeconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("h", 3600), ("m", 60), ("s", 1),
        ]
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return total
    }

    /// A Kubernetes quantity (`6Gi`, `512M`, `1e9`, `500m`) in base units.
    static func quantity(_ text: String) -> Double? {
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
            ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18), ("m", 1e-3),
        ]
        for (suffix, scale) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return Double(text)
    }

    /// Keeps status messages readable in a chat message: at most `limit` characters.
    static func clip(_ message: String, limit: Int = 600) -> String {
        let trimmed = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count > limit else { return trimmed }
        return String(trimmed.prefix(limit - 1)) + "…"
    }
}
