/// A long-running part of Slipway (deploy worker, outbox delivery, rollout monitor, pruner…), run by
/// `ServiceRunner` (modelled on swift-service-lifecycle's `Service`).
///
/// `run()` returns when the task is cancelled (the runner cancels services one by one, in its stated stop order)
/// and throws only for a failure the process cannot continue from.
public protocol Service: Sendable {
    /// A short name for logs and metrics (`deploy-worker`).
    var name: String { get }
    /// Does the service's work until cancelled.
    func run() async throws
}

extension Service {
    /// The type's name, for services that do not give a shorter one.
    public var name: String { String(describing: type(of: self)) }
}
