extension FreezeWindow {
    /// Reads `services.<service>.environments.<env>.freezeWindows`: a list of windows.
    static func list(reading reader: ConfigReader) throws(ConfigError) -> [FreezeWindow] {
        guard let items = reader.value as? [Any] else {
            throw ConfigError(
                path: reader.path,
                problem:
                    "must be a list of windows, e.g. [{\"from\": \"fri 15:00\", \"to\": \"mon 08:00\", \"timeZone\": \"Europe/Berlin\", \"reason\": \"weekend\"}]"
            )
        }
        var windows: [FreezeWindow] = []
        for (index, item) in items.enumerated() {
            windows.append(try FreezeWindow(reading: ConfigReader(value: item, path: "\(reader.path)[\(index)]")))
        }
        return windows
    }

    /// Reads one window: `from`, `to` and `timeZone` are required, `reason` is shown to people refused a deploy.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.environmentFreezeWindow)
        let from = try fields.required("from").string()
        let to = try fields.required("to").string()
        let timeZone = try fields.required("timeZone").string()
        let reason = try fields.optional("reason")?.nonEmptyString() ?? "freeze window"
        do {
            self = try FreezeWindow.parse(from: from, to: to, timeZone: timeZone, reason: reason)
        } catch {
            throw ConfigError(path: "\(fields.path).\(error.field)", problem: error.problem)
        }
    }
}
