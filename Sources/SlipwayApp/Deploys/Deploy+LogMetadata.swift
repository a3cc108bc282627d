import DeployCore

extension Deploy {
    /// The deploy, service and environment a log record is about (`log.info("…", metadata: deploy.logMetadata)`).
    var logMetadata: Log.Metadata {
        ["deploy": id, "service": service, "environment": environment]
    }
}
