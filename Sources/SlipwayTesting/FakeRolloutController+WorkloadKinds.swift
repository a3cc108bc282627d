import Foundation

extension FakeRolloutController {
    /// Rolls every Deployment, StatefulSet and DaemonSet in `namespace` whose first container runs `image` (any tag)
    /// out to `image:tag`, as applying a kustomization with that `images:` entry does; each per its scripted outcome.
    mutating func rollOutImage(namespace: String, image: String, tag: String, objects: inout KubernetesObjects) {
        let target = "\(image):\(tag)"
        func runsImage(_ object: [String: Any]?) -> Bool {
            guard let current = object.flatMap(FakeWorkloadController.image(of:)) else { return false }
            return current != target && (current.hasPrefix(image + ":") || current.hasPrefix(image + "@"))
        }
        for name in objects.names("deployments", namespace: namespace)
        where runsImage(objects[plural: "deployments", namespace: namespace, name: name]) {
            startRollout(
                namespace: namespace, deployment: name, image: target,
                outcome: outcome(namespace: namespace, deployment: name), objects: &objects)
        }
        for plural in FakeWorkloadController.plurals.sorted() {
            for name in objects.names(plural, namespace: namespace)
            where runsImage(objects[plural: plural, namespace: namespace, name: name]) {
                workloadKinds.startRollout(
                    plural: plural, namespace: namespace, name: name, image: target,
                    outcome: outcome(namespace: namespace, deployment: name), objects: &objects)
            }
        }
    }
}

extension FakeRolloutController {
    /// One step of a StatefulSet's or DaemonSet's rollout, taken each time it is read.
    mutating func advanceWorkload(plural: String, namespace: String, name: String, objects: inout KubernetesObjects) {
        workloadKinds.advanceRollout(
            plural: plural, namespace: namespace, name: name, steps: rolloutSteps, objects: &objects)
    }
}
