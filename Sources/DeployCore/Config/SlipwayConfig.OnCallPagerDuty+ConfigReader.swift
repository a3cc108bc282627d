extension SlipwayConfig {
    /// Who is on call, read from PagerDuty schedules through the REST API (`onCall.pagerduty`).
    public struct OnCallPagerDuty: Sendable, Equatable {
        /// Schedule ids (`P…`); everyone on call now in any of them hears about failures.
        public var scheduleIds: [String]
        /// The environment variable holding a REST API token (read-only is enough).
        public var apiTokenEnv: String
        /// The REST API base, `https://api.pagerduty.com` unless a proxy or a test says otherwise.
        public var apiURL: String

        public init(scheduleIds: [String], apiTokenEnv: String, apiURL: String = "https://api.pagerduty.com") {
            self.scheduleIds = scheduleIds
            self.apiTokenEnv = apiTokenEnv
            self.apiURL = apiURL
        }
    }
}

extension SlipwayConfig.OnCallPagerDuty {
    /// Reads `onCall.pagerduty`.
    init(reading reader: ConfigReader) throws(ConfigError) {
        let fields = try reader.object(allowed: ConfigKeys.onCallPagerDuty)
        let schedules = try fields.required("scheduleIds")
        let ids = try schedules.stringArray()
        guard !ids.isEmpty else {
            throw ConfigError(
                path: schedules.path, problem: "list at least one PagerDuty schedule id, e.g. [\"PABC123\"]")
        }
        for id in ids where id.isEmpty || !id.allSatisfy({ $0.isLetter || $0.isNumber }) {
            throw ConfigError(
                path: schedules.path,
                problem: "\"\(id)\" is not a PagerDuty schedule id; copy it from the schedule's URL, e.g. \"PABC123\"")
        }
        self.init(
            scheduleIds: ids, apiTokenEnv: try fields.required("apiTokenEnv").envName(),
            apiURL: try fields.optional("apiURL")?.url() ?? "https://api.pagerduty.com")
    }
}
