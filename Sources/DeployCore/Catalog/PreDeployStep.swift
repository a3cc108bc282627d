/// A namespaced Kubernetes object named in the configuration.
public struct ObjectRef: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// `<namespace>/<name>`.
    public var description: String { "\(namespace)/\(name)" }
}

/// A step that runs before an environment's application tag is committed, e.g. a database migration: Slipway commits
/// the new tag to the step's kustomization, asks Flux to reconcile, and waits for the Job to complete.
public struct PreDeployStep: Sendable, Hashable {
    /// The step's name, shown in the live message (`migrate`).
    public var name: String
    /// Path of the step's kustomization.yaml in the GitOps repository (its `newTag` gets the deploy's tag).
    public var kustomization: String
    /// The Flux Kustomization that applies it (default: the environment's).
    public var flux: ObjectRef
    /// The Flux GitRepository to ask to fetch first, in `flux.namespace`.
    public var gitRepository: String
    /// The Job the step's kustomization creates.
    public var job: ObjectRef
    /// How long the Job may take, counted from the step's commit.
    public var timeoutSeconds: Double

    public static let defaultTimeoutSeconds: Double = 600

    public init(
        name: String, kustomization: String, flux: ObjectRef, gitRepository: String, job: ObjectRef,
        timeoutSeconds: Double = PreDeployStep.defaultTimeoutSeconds
    ) {
        self.name = name
        self.kustomization = kustomization
        self.flux = flux
        self.gitRepository = gitRepository
        self.job = job
        self.timeoutSeconds = timeoutSeconds
    }
}

/// A Flux ImageUpdateAutomation that may overwrite Slipway's pins: suspended while the environment is locked.
public struct ImageAutomationRef: Sendable, Hashable {
    public var object: ObjectRef
    /// `image.toolkit.fluxcd.io/v1` (Flux 2.7 and later) or `image.toolkit.fluxcd.io/v1beta2` (Flux 2.2–2.6).
    public var apiVersion: String

    public static let defaultAPIVersion = "image.toolkit.fluxcd.io/v1"
    public static let apiVersions = ["image.toolkit.fluxcd.io/v1", "image.toolkit.fluxcd.io/v1beta2"]

    public init(namespace: String, name: String, apiVersion: String = ImageAutomationRef.defaultAPIVersion) {
        self.object = ObjectRef(namespace: namespace, name: name)
        self.apiVersion = apiVersion
    }
}
