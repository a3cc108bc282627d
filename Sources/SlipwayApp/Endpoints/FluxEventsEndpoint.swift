import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwayStore

/// `POST /api/v1/flux/events`: notification-controller events from a `generic-hmac` Provider
/// (`X-Signature: sha256=<hex HMAC of the raw body>`). An event about a watched Kustomization wakes the rollout
/// monitor at once instead of waiting for the next poll.
public struct FluxEventsEndpoint: Sendable {
    let secret: HMACKey
    let store: any Store
    let catalog: Catalog
    let monitorWake: Wakeup

    public init(secret: String, store: any Store, catalog: Catalog, monitorWake: Wakeup) {
        self.secret = HMACKey(secret.utf8)
        self.store = store
        self.catalog = catalog
        self.monitorWake = monitorWake
    }

    struct Event: Decodable {
        struct InvolvedObject: Decodable {
            var kind: String
            var namespace: String?
            var name: String
        }
        var involvedObject: InvolvedObject
        var severity: String?
        var reason: String?
        var message: String?
        var metadata: [String: String]?
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard WebhookSignature.verify(header: request.headers["X-Signature"], body: request.body, key: secret) else {
            return .jsonError(
                401, "missing or bad X-Signature (sha256=<hex HMAC-SHA256 of the body> with the Provider token)")
        }
        let event: Event
        do {
            event = try JSONDecoder().decode(Event.self, from: Data(request.body))
        } catch {
            return .jsonError(400, "body is not a Flux event (needs involvedObject.kind and involvedObject.name)")
        }
        guard event.involvedObject.kind == "Kustomization" || event.involvedObject.kind == "GitRepository" else {
            return .json(202, #"{"watched":false}"#)
        }
        let namespace = event.involvedObject.namespace ?? "flux-system"
        let watched =
            (try? store.read { r in try r.deploys(in: DeployState.inFlight) })?.contains { deploy in
                guard let env = catalog[deploy.target] else { return false }
                let name =
                    event.involvedObject.kind == "Kustomization" ? env.flux.kustomization : env.flux.gitRepository
                return env.flux.namespace == namespace && name == event.involvedObject.name
            } ?? false
        if watched { monitorWake.signal() }
        return .json(202, watched ? #"{"watched":true}"# : #"{"watched":false}"#)
    }
}
