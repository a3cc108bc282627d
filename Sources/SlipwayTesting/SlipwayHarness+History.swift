import DeployCore
import Foundation

extension SlipwayHarness {
    /// Records that `tag` was deployed to `service/environment` and succeeded at `at` (an hour ago by default), as an
    /// earlier deploy would have: promotion gates then let the tag through to environments promoting from there.
    /// The environment's current tag is left alone.
    /// - Returns: the stored deploy.
    @discardableResult
    public func recordSucceeded(_ service: String, _ environment: String, tag: String, at: Date? = nil) throws
        -> Deploy
    {
        let at = at ?? Date().addingTimeInterval(-3600)
        let milliseconds = UInt64(at.timeIntervalSince1970 * 1000)
        var deploy = Deploy(
            id: "d-earlier-\(milliseconds)-\(UUID().uuidString.prefix(6).lowercased())", service: service,
            environment: environment, kind: .deploy, source: .slack, targetTag: tag, requestedBy: "U0ALICE",
            state: .succeeded, createdAt: at.addingTimeInterval(-60))
        deploy.gitCommit = String(repeating: "e", count: 40)
        deploy.committedAt = at.addingTimeInterval(-50)
        deploy.rolledOutAt = at
        deploy.finishedAt = at
        deploy.updatedAt = at
        try app.store.write { w in try w.insert(deploy) }
        return deploy
    }
}
