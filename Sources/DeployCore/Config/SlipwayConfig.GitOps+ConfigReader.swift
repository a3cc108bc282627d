extension SlipwayConfig.GitOps {
    /// Reads `gitops`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.gitops)
        let author = try fields.required("author").object(allowed: ConfigKeys.gitopsAuthor)
        self.init(
            url: try fields.required("url").nonEmptyString(),
            branch: try fields.optional("branch")?.nonEmptyString() ?? "main",
            checkout: try fields.optional("checkout")?.nonEmptyString() ?? "var/gitops",
            authorName: try author.required("name").nonEmptyString(),
            authorEmail: try author.required("email").nonEmptyString(),
            signing: try fields.optional("signing").map { (field) throws(ConfigError) in try Signing(reading: field) },
            tokenEnv: try fields.optional("tokenEnv")?.envName(),
            partialClone: try fields.optional("partialClone")?.bool() ?? false)
    }
}

extension SlipwayConfig.GitOps.Signing {
    /// Reads `gitops.signing`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.gitopsSigning)
        self.init(
            format: try fields.required("format").choice(of: Format.self),
            keyFile: try fields.required("keyFile").nonEmptyString())
    }
}
