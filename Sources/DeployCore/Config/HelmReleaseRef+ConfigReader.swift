extension HelmReleaseRef {
    /// Reads `services.<service>.environments.<env>.helmRelease`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.environmentHelmRelease)
        let fileField = try fields.required("file")
        let file = try fileField.nonEmptyString()
        if file.hasPrefix("/") || file.split(separator: "/").contains("..") {
            throw ConfigError(
                path: fileField.path, problem: "must be a path inside the GitOps repository, without .. or a leading /")
        }
        if !(file.hasSuffix(".yaml") || file.hasSuffix(".yml")) {
            throw ConfigError(
                path: fileField.path,
                problem: "must name the YAML file that holds the tag, e.g. clusters/prod/shop/helmrelease.yaml")
        }
        let tagPathField = try fields.optional("tagPath")
        let tagPath = try tagPathField?.nonEmptyString() ?? HelmReleaseRef.defaultTagPath
        if tagPath.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw ConfigError(
                path: tagPathField?.path ?? fields.path + ".tagPath",
                problem: "must be mapping keys joined by dots, e.g. spec.values.image.tag (or image.tag in a "
                    + "values file)")
        }
        self.init(
            file: file, tagPath: tagPath, namespace: try fields.required("namespace").nonEmptyString(),
            name: try fields.required("name").nonEmptyString())
    }
}
