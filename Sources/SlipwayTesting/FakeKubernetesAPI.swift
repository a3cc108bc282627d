import Foundation
import SlipwayHTTP

/// The fake cluster's state: its objects, Flux and the Deployment controller, and the token the API accepts.
struct FakeCluster {
    var token: String
    var objects = KubernetesObjects()
    var flux = FakeFlux()
    var controller: FakeRolloutController
    var jobs = FakeJobController()
    var helm = FakeHelmController()
}

/// The Kubernetes API server's wire format over the fake cluster: GET and LIST (label and field selectors), JSON
/// merge PATCH, `Status` bodies for errors, a required bearer token. Reading a Deployment advances its rollout; a
/// new `reconcile.fluxcd.io/requestedAt` makes Flux reconcile.
enum FakeKubernetesAPI {
    /// Resource kinds served: plural → (API prefix, kind).
    static let kinds: [String: (prefix: String, kind: String)] = [
        "kustomizations": ("/apis/kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        "gitrepositories": ("/apis/source.toolkit.fluxcd.io/v1", "GitRepository"),
        "deployments": ("/apis/apps/v1", "Deployment"),
        "replicasets": ("/apis/apps/v1", "ReplicaSet"),
        "statefulsets": ("/apis/apps/v1", "StatefulSet"),
        "daemonsets": ("/apis/apps/v1", "DaemonSet"),
        "pods": ("/api/v1", "Pod"),
        "events": ("/api/v1", "Event"),
        "configmaps": ("/api/v1", "ConfigMap"),
        "secrets": ("/api/v1", "Secret"),
        "sealedsecrets": ("/apis/bitnami.com/v1alpha1", "SealedSecret"),
        "helmreleases": ("/apis/helm.toolkit.fluxcd.io/v2", "HelmRelease"),
        "jobs": ("/apis/batch/v1", "Job"),
        "imageupdateautomations": ("/apis/image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation"),
    ]

    /// Answers one request against `cluster`.
    static func handle(_ request: HTTPRequest, cluster: inout FakeCluster) -> HTTPResponse {
        guard request.headers["Authorization"] == "Bearer \(cluster.token)" else {
            return status(401, "Unauthorized", "Unauthorized")
        }
        if request.method == .get, let log = podLog(request, cluster: cluster) { return log }
        guard let route = route(request.path) else {
            return status(404, "NotFound", "the server could not find the requested resource")
        }
        switch (request.method, route.name) {
        case (.get, nil):
            return list(route, query: decodeQuery(request.query), cluster: &cluster)
        case (.get, let name?):
            return get(route, name: name, cluster: &cluster)
        case (.patch, let name?):
            return patch(route, name: name, request: request, cluster: &cluster)
        default:
            return status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        }
    }

    struct Route {
        var plural: String
        var namespace: String
        var name: String?
    }

    static func route(_ path: String) -> Route? {
        for (plural, info) in kinds where path.hasPrefix(info.prefix + "/namespaces/") {
            let rest = path.dropFirst(info.prefix.count + "/namespaces/".count).split(
                separator: "/", omittingEmptySubsequences: false)
            guard rest.count == 2 || rest.count == 3, rest[1] == plural, !rest[0].isEmpty else { continue }
            if rest.count == 3 && rest[2].isEmpty { return nil }
            return Route(plural: plural, namespace: String(rest[0]), name: rest.count == 3 ? String(rest[2]) : nil)
        }
        return nil
    }

    private static func list(_ route: Route, query: [String: String], cluster: inout FakeCluster) -> HTTPResponse {
        var selector = LabelSelector(requirements: [])
        if let text = query["labelSelector"], !text.isEmpty {
            guard let parsed = LabelSelector(parsing: text) else {
                return status(400, "BadRequest", "unable to parse requirement: invalid label selector \"\(text)\"")
            }
            selector = parsed
        }
        let fields = (query["fieldSelector"] ?? "").split(separator: ",").compactMap {
            term -> (String, String, Bool)? in
            if let range = term.range(of: "!=") {
                return (String(term[..<range.lowerBound]), String(term[range.upperBound...]), false)
            }
            let parts = term.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { return nil }
            return (
                parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "=")),
                parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "=")), true
            )
        }
        // `metadata.name=` names at most one object: look it up instead of scanning the namespace.
        let names =
            fields.first { $0.0 == "metadata.name" && $0.2 }.map { [$0.1] }
            ?? cluster.objects.names(route.plural, namespace: route.namespace)
        var items: [[UInt8]] = []
        for name in names {
            if route.plural == "deployments" {
                cluster.controller.advanceRollout(
                    namespace: route.namespace, deployment: name, objects: &cluster.objects)
            }
            if FakeWorkloadController.plurals.contains(route.plural) {
                cluster.controller.advanceWorkload(
                    plural: route.plural, namespace: route.namespace, name: name, objects: &cluster.objects)
            }
            guard let object = cluster.objects[plural: route.plural, namespace: route.namespace, name: name] else {
                continue
            }
            let labels = (object["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
            guard selector.matches(labels) else { continue }
            guard
                fields.allSatisfy({ field in
                    let found = KubernetesObjects.value(object, path: field.0.split(separator: ".").map(String.init))
                    return ((found as? String ?? "") == field.1) == field.2
                })
            else { continue }
            items.append(cluster.objects.json(plural: route.plural, namespace: route.namespace, name: name)!)
        }
        // `{"items":[…],"apiVersion":…}`: the items' JSON as served by GET, spliced into the list's envelope.
        let envelope = KubernetesObjects.serialize([
            "apiVersion": apiVersion(route.plural), "kind": kinds[route.plural]!.kind + "List",
            "metadata": ["resourceVersion": String(cluster.objects.resourceVersion)],
        ])
        var body = Array(#"{"items":["#.utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: item)
        }
        body.append(contentsOf: Array("],".utf8))
        body.append(contentsOf: envelope.dropFirst())
        return .json(200, body)
    }

    private static func get(_ route: Route, name: String, cluster: inout FakeCluster) -> HTTPResponse {
        if route.plural == "jobs" {
            cluster.jobs.advance(namespace: route.namespace, job: name, objects: &cluster.objects)
        }
        if route.plural == "helmreleases" {
            cluster.helm.advance(
                namespace: route.namespace, name: name, objects: &cluster.objects, controller: &cluster.controller)
        }
        if route.plural == "deployments" {
            cluster.controller.advanceRollout(namespace: route.namespace, deployment: name, objects: &cluster.objects)
        }
        if FakeWorkloadController.plurals.contains(route.plural) {
            cluster.controller.advanceWorkload(
                plural: route.plural, namespace: route.namespace, name: name, objects: &cluster.objects)
        }
        guard let json = cluster.objects.json(plural: route.plural, namespace: route.namespace, name: name) else {
            return notFound(route, name)
        }
        return .json(200, json)
    }

    private static func patch(_ route: Route, name: String, request: HTTPRequest, cluster: inout FakeCluster)
        -> HTTPResponse
    {
        let contentType = request.headers["Content-Type"]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard contentType == "application/merge-patch+json" else {
            return status(
                415, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
            )
        }
        guard let object = cluster.objects[plural: route.plural, namespace: route.namespace, name: name] else {
            return notFound(route, name)
        }
        guard let patch = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return status(400, "BadRequest", "error decoding patch: invalid JSON")
        }
        let before = KubernetesObjects.string(object, "metadata", "annotations", "reconcile.fluxcd.io/requestedAt")
        guard var patched = KubernetesObjects.mergePatch(object, patch) as? [String: Any] else {
            return status(422, "Invalid", "the patch made the object invalid")
        }
        cluster.objects.bumpVersion(&patched)
        cluster.objects[plural: route.plural, namespace: route.namespace, name: name] = patched
        if let requested = KubernetesObjects.string(
            patched, "metadata", "annotations", "reconcile.fluxcd.io/requestedAt"),
            requested != before
        {
            switch route.plural {
            case "gitrepositories":
                cluster.flux.reconcileSource(
                    namespace: route.namespace, name: name, token: requested, objects: &cluster.objects)
            case "kustomizations":
                cluster.flux.reconcileKustomization(
                    namespace: route.namespace, name: name, token: requested, objects: &cluster.objects,
                    controller: &cluster.controller)
                cluster.jobs.reconcileKustomization(namespace: route.namespace, name: name, objects: &cluster.objects)
                cluster.helm.reconcileKustomization(namespace: route.namespace, name: name, objects: &cluster.objects)
            case "helmreleases":
                cluster.helm.reconcileRequested(
                    namespace: route.namespace, name: name, token: requested, objects: &cluster.objects)
            default: break
            }
        }
        return .json(200, cluster.objects.json(plural: route.plural, namespace: route.namespace, name: name)!)
    }

    /// `GET /api/v1/namespaces/<ns>/pods/<pod>/log[?tailLines=N]`: the pod's log as plain text, or nil for any other
    /// path.
    private static func podLog(_ request: HTTPRequest, cluster: FakeCluster) -> HTTPResponse? {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false)
        // "", "api", "v1", "namespaces", ns, "pods", pod, "log"
        guard parts.count == 8, parts[1] == "api", parts[2] == "v1", parts[3] == "namespaces", parts[5] == "pods",
            parts[7] == "log"
        else { return nil }
        let namespace = String(parts[4])
        let pod = String(parts[6])
        guard cluster.objects[plural: "pods", namespace: namespace, name: pod] != nil else {
            return status(404, "NotFound", "pods \"\(pod)\" not found")
        }
        let tail = decodeQuery(request.query)["tailLines"].flatMap { Int($0) }
        let text = cluster.jobs.log(namespace: namespace, pod: pod, tailLines: tail) ?? ""
        return HTTPResponse(
            status: 200, headers: ["Content-Type": "text/plain"], body: Array(text.utf8))
    }

    static func apiVersion(_ plural: String) -> String {
        let prefix = kinds[plural]!.prefix
        return prefix.hasPrefix("/apis/") ? String(prefix.dropFirst(6)) : "v1"
    }

    private static func notFound(_ route: Route, _ name: String) -> HTTPResponse {
        let group = kinds[route.plural]!.prefix.split(separator: "/").dropFirst().first.map(String.init) ?? ""
        let resource = group.isEmpty || group == "v1" ? route.plural : "\(route.plural).\(group)"
        return status(404, "NotFound", "\(resource) \"\(name)\" not found")
    }

    /// A `Status` object, as the API server sends with every error.
    private static func status(_ code: Int, _ reason: String, _ message: String) -> HTTPResponse {
        .json(
            code,
            KubernetesObjects.serialize([
                "kind": "Status", "apiVersion": "v1", "metadata": [:] as [String: Any], "status": "Failure",
                "message": message, "reason": reason, "code": code,
            ]))
    }

    static func decodeQuery(_ query: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            items[name] = value.removingPercentEncoding ?? value
        }
        return items
    }
}
