import DeployCore

extension Deploy {
    /// One push of a deploy: a deploy with a canary pushes twice (canary, then primary), and each push needs its own
    /// reconcile request and its own first poll.
    var pushKey: String { id + "@" + (gitCommit ?? "") }
}
