import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// `POST /api/v1/deploy/image-built`: CI reports a built image. Signed with `X-Slipway-Signature: sha256=<hex>`.
/// Idempotent on `repo:sha:env` for the configured window: a repeat answers 200 with the same deploy id.
public struct ImageBuiltEndpoint: Sendable {
    let secret: HMACKey
    let coordinator: DeployCoordinator
    let policy: DeployPolicy

    public init(secret: String, coordinator: DeployCoordinator, policy: DeployPolicy) {
        self.secret = HMACKey(secret.utf8)
        self.coordinator = coordinator
        self.policy = policy
    }

    /// The webhook body.
    struct Body: Decodable {
        struct Author: Decodable {
            var name: String?
            var email: String?
        }
        var repo: String
        var sha: String
        var tag: String
        var env: String
        var image: String?
        var author: Author?
        var message: String?
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard
            WebhookSignature.verify(header: request.headers["X-Slipway-Signature"], body: request.body, key: secret)
        else {
            let reason =
                request.headers["X-Slipway-Signature"] == nil
                ? "missing X-Slipway-Signature header (sha256=<hex HMAC-SHA256 of the body>)"
                : "bad signature: X-Slipway-Signature must be sha256=<hex HMAC-SHA256 of the raw body> with the webhook secret"
            return .jsonError(401, reason)
        }
        let body: Body
        do {
            body = try Self.decode(request.body)
        } catch let error as FieldError {
            return .jsonError(400, error.message, field: error.field)
        } catch {
            return .jsonError(400, "body must be JSON: {\"repo\",\"sha\",\"tag\",\"env\"}")
        }
        guard let service = coordinator.catalog.service(forRepo: body.repo) else {
            return .jsonError(
                404, "unknown repo \(body.repo): no service in the Slipway config has \"repo\": \"\(body.repo)\"",
                field: "repo")
        }
        guard let env = service.environments[body.env] else {
            let hint =
                Suggestion.closest(to: body.env, among: service.environments.keys).map { " (did you mean \"\($0)\"?)" }
                ?? ""
            return .jsonError(404, "service \(service.name) has no environment \"\(body.env)\"\(hint)", field: "env")
        }
        let now = coordinator.clock()
        let key = "\(body.repo.lowercased()):\(body.sha.lowercased()):\(env.name)"
        let author = body.author.flatMap { a in
            a.name.map { CommitAuthor(name: $0, email: a.email) } ?? a.email.map { CommitAuthor(name: $0, email: $0) }
        }
        do {
            let outcome = try coordinator.store.write { w -> (id: String, state: String, duplicate: Bool) in
                let newId = Identifiers.deployId()
                let autoDeploy = env.autoDeploy
                if let existing = try w.rememberIdempotent(
                    key: key, deployId: autoDeploy ? newId : "", now: now,
                    expiresAt: now.addingTimeInterval(policy.idempotencyWindowSeconds))
                {
                    let state =
                        existing.isEmpty ? "recorded" : (try w.deploy(id: existing)?.state.rawValue ?? "unknown")
                    return (existing, state, true)
                }
                try w.record(
                    BuiltImage(
                        service: service.name, repo: body.repo, sha: body.sha.lowercased(), tag: body.tag,
                        image: body.image, author: author, message: body.message, builtAt: now))
                guard autoDeploy else { return ("", "recorded", false) }
                let record = try w.environment(service: service.name, environment: env.name)
                var deploy = Deploy(
                    id: newId, service: service.name, environment: env.name, kind: .deploy, source: .ci,
                    targetTag: body.tag, previousTag: record?.currentTag, sourceCommit: body.sha.lowercased(),
                    author: author, commitMessage: body.message, requestedBy: "ci", createdAt: now)
                if let lock = try w.lock(service: service.name, environment: env.name) {
                    deploy.state = .blocked
                    deploy.note =
                        "blocked: \(service.name)/\(env.name) is locked by <@\(lock.lockedBy)> (\(SlackText.escape(lock.reason)))"
                    deploy.finishedAt = now
                    try w.insert(deploy)
                    try w.append(
                        AuditEvent(
                            deployId: newId, service: service.name, environment: env.name, actor: "ci",
                            action: "blocked", detail: "CI deploy of \(body.tag) blocked by lock: \(lock.reason)",
                            origin: "ci", at: now))
                    return (newId, DeployState.blocked.rawValue, false)
                }
                if record?.currentTag == body.tag {
                    deploy.state = .cancelled
                    deploy.note = "`\(SlackText.escape(body.tag))` is already current"
                    deploy.finishedAt = now
                    try w.insert(deploy)
                    try w.append(
                        AuditEvent(
                            deployId: newId, service: service.name, environment: env.name, actor: "ci",
                            action: "state:cancelled", detail: "tag \(body.tag) already current", origin: "ci", at: now)
                    )
                    return (newId, DeployState.cancelled.rawValue, false)
                }
                let stored = try coordinator.create(deploy, requiresApproval: env.requireApproval, origin: "ci", in: w)
                return (newId, stored.state.rawValue, false)
            }
            if !outcome.duplicate { coordinator.signal() }
            var fields: [String: Any] = [
                "service": service.name, "env": env.name, "state": outcome.state, "duplicate": outcome.duplicate,
            ]
            fields["deployId"] = outcome.id.isEmpty ? NSNull() : outcome.id
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
            return .json(outcome.duplicate || outcome.id.isEmpty ? 200 : 202, Array(data))
        } catch {
            return .jsonError(503, "could not record the image right now (\(error)); retry with the same body")
        }
    }

    struct FieldError: Error {
        var field: String
        var message: String
    }

    static func decode(_ bytes: [UInt8]) throws -> Body {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw FieldError(field: "", message: "body must be a JSON object: {\"repo\",\"sha\",\"tag\",\"env\"}")
        }
        func string(_ name: String, required: Bool = true) throws -> String? {
            guard let value = object[name], !(value is NSNull) else {
                if required { throw FieldError(field: name, message: "\(name) is required") }
                return nil
            }
            guard let s = value as? String, !s.isEmpty else {
                throw FieldError(field: name, message: "\(name) must be a non-empty string")
            }
            return s
        }
        let repo = try string("repo")!
        let sha = try string("sha")!
        guard CommandParser.isCommitSHA(sha) else {
            throw FieldError(field: "sha", message: "sha must be a git commit sha (7 to 40 hex digits)")
        }
        let tag = try string("tag")!
        guard CommandParser.isValidTag(tag) else {
            throw FieldError(
                field: "tag", message: "tag must be a Docker image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})")
        }
        let env = try string("env")!
        var author: Body.Author?
        if let a = object["author"], !(a is NSNull) {
            guard let dict = a as? [String: Any] else {
                throw FieldError(field: "author", message: "author must be an object {\"name\",\"email\"}")
            }
            let name = dict["name"] as? String
            let email = dict["email"] as? String
            if dict["name"] != nil && name == nil {
                throw FieldError(field: "author.name", message: "author.name must be a string")
            }
            if dict["email"] != nil && email == nil {
                throw FieldError(field: "author.email", message: "author.email must be a string")
            }
            author = Body.Author(name: name, email: email)
        }
        return Body(
            repo: repo, sha: sha, tag: tag, env: env, image: try string("image", required: false), author: author,
            message: try string("message", required: false))
    }
}
