import Foundation
import SlipwaySubprocess

/// The `git` command line, run synchronously on the calling thread.
///
/// Only `GitOpsRepository` uses it, from its own dispatch queue: blocking there is the point.
struct Git: Sendable {
    /// What a finished git command printed.
    struct Output: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String

        var succeeded: Bool { status == 0 }
    }

    /// Settings that keep a user's or the system's git configuration from interfering with Slipway's
    /// commits: hooks, signing, line-ending conversion, background maintenance, submodule recursion.
    static let configOverrides: [String] = [
        "core.hooksPath=/dev/null",
        "commit.gpgSign=false",
        "push.gpgSign=false",
        "push.followTags=false",
        "core.autocrlf=false",
        "core.fsmonitor=false",
        "gc.auto=0",
        "maintenance.auto=false",
        "fetch.recurseSubmodules=false",
        "submodule.recurse=false",
        "color.ui=false",
        "advice.detachedHead=false",
    ].flatMap { ["-c", $0] }

    let executable: URL
    let environment: [String: String]

    /// - Parameter environment: variables added to (and overriding) the process's own environment.
    init(environment extra: [String: String]) {
        let environment = GitEnvironment.cleaned(adding: extra)
        self.environment = environment
        // Found once, rather than looked up on every command.
        self.executable = URL(
            fileURLWithPath: Subprocess.locate("git", searchPath: environment["PATH"]) ?? "/usr/bin/git")
    }

    /// Runs `git -C directory <configOverrides> arguments`.
    /// - Throws: `GitOpsError` `.gitFailed` only when git cannot be started; a failing git is an `Output`.
    func run(_ arguments: [String], in directory: String? = nil) throws(GitOpsError) -> Output {
        let fullArguments = (directory.map { ["-C", $0] } ?? []) + Self.configOverrides + arguments
        do {
            // posix_spawn, not Foundation's Process: see `Subprocess` for the crash that avoids.
            let result = try Subprocess.run(executable.path, fullArguments, environment: environment)
            return Output(status: result.status, stdout: result.stdoutText, stderr: result.stderrText)
        } catch {
            throw GitOpsError(
                .gitFailed, "Cannot run git at \(executable.path): \(error). Install git or put it on PATH.")
        }
    }
}
