import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// `POST /api/v1/deploy/image-built`: CI reports a built image. Signed with `X-Slipway-Signature: sha256=<hex>`.
/// Idempotent on `repo:sha:env` for the configured window: a repeat answers 200 with the same deploy id — unless
/// that deploy failed before anything was committed (a GitOps outage): then the repeat is CI's retry, and starts a
/// new attempt (202 with the new id). A deploy that reached git is never repeated.
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
    struct Body {
        struct Author {
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
            // Random values are drawn before the write: every webhook's write waits for the one before it.
            let newId = Identifiers.deployId(now: now)
            let approvalToken = env.autoDeploy ? Identifiers.approvalToken() : ""
            let outcome = try coordinator.imageBuilt(
                BuiltImage(
                    service: service.name, repo: body.repo, sha: body.sha.lowercased(), tag: body.tag,
                    image: body.image, author: author, message: body.message, builtAt: now),
                environment: env, key: key, expiresAt: now.addingTimeInterval(policy.idempotencyWindowSeconds),
                deployId: newId, approvalToken: approvalToken)
            var json = JSONWriter(capacity: 128)
            json.beginObject()
            json.key("deployId")
            if outcome.deployId.isEmpty { json.null() } else { json.string(outcome.deployId) }
            json.field("duplicate", outcome.duplicate)
            json.field("env", env.name)
            json.field("service", service.name)
            json.field("state", outcome.state)
            json.endObject()
            return .json(outcome.duplicate || outcome.deployId.isEmpty ? 200 : 202, json.bytes)
        } catch {
            return .jsonError(503, "could not record the image right now (\(error)); retry with the same body")
        }
    }

    struct FieldError: Error {
        var field: String
        var message: String
    }

    /// A JSON value read without trusting its type, so a wrong type becomes a field error and not a decode failure.
    enum Loose: Decodable {
        case string(String)
        case null
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let string = try? container.decode(String.self) {
                self = .string(string)
            } else {
                self = .other
            }
        }
    }

    /// `author`: an object with optional `name` and `email`, null, or something else.
    enum LooseAuthor: Decodable {
        case object(name: Loose?, email: Loose?)
        case null
        case other

        private enum Keys: String, CodingKey { case name, email }

        init(from decoder: any Decoder) throws {
            if let object = try? decoder.container(keyedBy: Keys.self) {
                self = .object(
                    name: try object.decodeIfPresent(Loose.self, forKey: .name),
                    email: try object.decodeIfPresent(Loose.self, forKey: .email))
            } else if (try? decoder.singleValueContainer().decodeNil()) == true {
                self = .null
            } else {
                self = .other
            }
        }
    }

    /// The body as sent, before validation.
    struct RawBody: Decodable {
        var repo, sha, tag, env, image, message: Loose?
        var author: LooseAuthor?
    }

    /// One decoder for every request (it is thread-safe; creating one per request showed in profiles).
    static let decoder = JSONDecoder()

    static func decode(_ bytes: [UInt8]) throws -> Body {
        guard let raw = try? decoder.decode(RawBody.self, from: Data(bytes)) else {
            throw FieldError(field: "", message: "body must be a JSON object: {\"repo\",\"sha\",\"tag\",\"env\"}")
        }
        func string(_ value: Loose?, _ name: String, required: Bool = true) throws -> String? {
            switch value {
            case nil, .null?:
                if required { throw FieldError(field: name, message: "\(name) is required") }
                return nil
            case .string(let s)? where !s.isEmpty:
                return s
            case .string?, .other?:
                throw FieldError(field: name, message: "\(name) must be a non-empty string")
            }
        }
        let repo = try string(raw.repo, "repo")!
        let sha = try string(raw.sha, "sha")!
        guard CommandParser.isCommitSHA(sha) else {
            throw FieldError(field: "sha", message: "sha must be a git commit sha (7 to 40 hex digits)")
        }
        let tag = try string(raw.tag, "tag")!
        guard CommandParser.isValidTag(tag) else {
            throw FieldError(
                field: "tag", message: "tag must be a Docker image tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})")
        }
        let env = try string(raw.env, "env")!
        var author: Body.Author?
        switch raw.author {
        case nil, .null?:
            break
        case .other?:
            throw FieldError(field: "author", message: "author must be an object {\"name\",\"email\"}")
        case .object(let name, let email)?:
            func optional(_ value: Loose?, _ field: String) throws -> String? {
                switch value {
                case nil, .null?: return nil
                case .string(let s)?: return s
                case .other?: throw FieldError(field: field, message: "\(field) must be a string")
                }
            }
            author = Body.Author(name: try optional(name, "author.name"), email: try optional(email, "author.email"))
        }
        return Body(
            repo: repo, sha: sha, tag: tag, env: env, image: try string(raw.image, "image", required: false),
            author: author, message: try string(raw.message, "message", required: false))
    }
}
