import DeployCore
import Foundation
import SlipwayStore

/// What became of a CI image-built webhook.
public struct ImageBuiltOutcome: Sendable {
    /// The deploy it started or repeated; empty when the image was only recorded.
    public var deployId: String
    /// That deploy's state, `recorded`, or why it was refused.
    public var state: String
    /// A repeat of a webhook already handled.
    public var duplicate: Bool
}

extension DeployCoordinator {
    /// Records a CI-built image and, where the environment deploys automatically, asks the planner in the same
    /// transaction (deploy, or record as held, blocked or already current). Idempotent on `key` (`repo:sha:env`):
    /// a repeat answers with the first deploy, except a repeat of one that failed before its commit, which is a
    /// new attempt.
    /// - Parameters:
    ///   - image: The image CI built.
    ///   - env: The environment the webhook names.
    ///   - key: The idempotency key, kept until `expiresAt`.
    ///   - deployId: The new deploy's id, drawn before the write (each webhook's write waits for the one before).
    ///   - approvalToken: Likewise, its approval token.
    public func imageBuilt(
        _ image: BuiltImage, environment env: EnvironmentEntry, key: String, expiresAt: Date, deployId newId: String,
        approvalToken: String
    ) throws -> ImageBuiltOutcome {
        let now = image.builtAt
        let outcome = try store.write { w -> ImageBuiltOutcome in
            let autoDeploy = env.autoDeploy
            let retryOf: Deploy?
            switch try Self.claimImage(
                key: key, deployId: autoDeploy ? newId : "", now: now, expiresAt: expiresAt, in: w)
            {
            case .duplicate(let existing):
                let state = existing.isEmpty ? "recorded" : (try w.deploy(id: existing)?.state.rawValue ?? "unknown")
                return ImageBuiltOutcome(deployId: existing, state: state, duplicate: true)
            case .new(let failed):
                retryOf = failed
            }
            try w.record(image)
            guard autoDeploy else { return ImageBuiltOutcome(deployId: "", state: "recorded", duplicate: false) }
            if let retryOf {
                try w.append(
                    AuditEvent(
                        deployId: newId, service: image.service, environment: env.name, actor: "ci", action: "retry",
                        detail: "CI repeated the webhook after \(retryOf.id) failed before its commit "
                            + "(\(retryOf.failure?.title ?? "failed")): a new attempt",
                        origin: "ci", at: now))
            }
            // The planner decides: deploy, or record as held (freeze), blocked (lock, failed before) or already
            // current.
            let request = DeployRequest(kind: .deploy, origin: .ci, tag: image.tag, requestedBy: "ci")
            let details = DeployRequestDetails(
                service: image.service, environment: env.name, origin: "ci", sourceCommit: image.sha,
                author: image.author, commitMessage: image.message, deployId: newId, approvalToken: approvalToken)
            switch try submit(request, details: details, in: w) {
            case .created(let stored), .recorded(let stored, _):
                return ImageBuiltOutcome(deployId: stored.id, state: stored.state.rawValue, duplicate: false)
            case .refused(let refusal):
                return ImageBuiltOutcome(deployId: newId, state: "refused: \(refusal)", duplicate: false)
            }
        }
        if !outcome.duplicate { signal() }
        return outcome
    }

    /// What the idempotency key says about a webhook.
    enum ImageClaim {
        /// A repeat: answer with this deploy id (empty when the image was only recorded).
        case duplicate(String)
        /// A new attempt; `retryOf` is the earlier attempt that failed before its commit, if any.
        case new(retryOf: Deploy?)
    }

    /// Most attempts one `repo:sha:env` gets within the idempotency window after failures before a commit.
    static let maxImageAttempts = 10

    /// Records `deployId` under `key` unless the key is taken; a key taken by a deploy that failed before its
    /// commit is followed to the next attempt's key (`<key>#after:<failed id>`), so each retry claims its own key
    /// and concurrent repeats of a retry still get one deploy.
    static func claimImage(key: String, deployId: String, now: Date, expiresAt: Date, in w: any StoreWriter) throws
        -> ImageClaim
    {
        var key = key
        var failed: Deploy?
        for _ in 0..<maxImageAttempts {
            guard let existing = try w.rememberIdempotent(key: key, deployId: deployId, now: now, expiresAt: expiresAt)
            else { return .new(retryOf: failed) }
            guard !existing.isEmpty, let earlier = try w.deploy(id: existing), earlier.failedBeforeCommit else {
                return .duplicate(existing)
            }
            failed = earlier
            key = "\(key)#after:\(existing)"
        }
        return .duplicate(failed?.id ?? "")
    }

}
