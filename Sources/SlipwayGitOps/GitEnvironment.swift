import Foundation

/// The environment every `git` here runs with (Slipway's own and the test fixtures').
public enum GitEnvironment {
    /// Variables that would point git at another repository than the one asked for.
    private static let inheritedRepositoryVariables: Set<String> = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
    ]

    /// This process's environment without the variables that would point git elsewhere, with prompts turned off
    /// and a fixed locale (so output can be parsed), plus `extra`.
    public static func cleaned(adding extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in inheritedRepositoryVariables { environment[name] = nil }
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GCM_INTERACTIVE"] = "never"
        environment["LC_ALL"] = "C"
        environment.merge(extra) { _, new in new }
        return environment
    }
}
