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
            authorEmail: try author.required("email").nonEmptyString())
    }
}
