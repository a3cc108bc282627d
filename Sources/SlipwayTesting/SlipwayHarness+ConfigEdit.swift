extension SlipwayHarness {
    /// Edits `services.<service>.environments.<environment>` of a configuration JSON object, e.g. in `adjust:`.
    public static func editEnvironment(
        _ json: inout [String: Any], service: String = "shop", _ environment: String,
        _ edit: (inout [String: Any]) -> Void
    ) {
        var services = json["services"] as! [String: Any]
        var entry = services[service] as! [String: Any]
        var environments = entry["environments"] as! [String: Any]
        var values = environments[environment] as! [String: Any]
        edit(&values)
        environments[environment] = values
        entry["environments"] = environments
        services[service] = entry
        json["services"] = services
    }
}
