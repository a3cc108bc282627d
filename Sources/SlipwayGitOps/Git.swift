import Foundation

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

    /// Variables that would point git at another repository than the one asked for.
    private static let inheritedRepositoryVariables: Set<String> = [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CEILING_DIRECTORIES", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR",
    ]

    let executable: URL
    let environment: [String: String]

    /// - Parameter environment: variables added to (and overriding) the process's own environment.
    init(environment extra: [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        for name in Self.inheritedRepositoryVariables { environment[name] = nil }
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GCM_INTERACTIVE"] = "never"
        environment["LC_ALL"] = "C"
        environment.merge(extra) { _, new in new }
        self.environment = environment
        self.executable = Self.locate(in: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
    }

    /// Runs `git -C directory <configOverrides> arguments`.
    /// - Throws: `GitOpsError` `.gitFailed` only when git cannot be started; a failing git is an `Output`.
    func run(_ arguments: [String], in directory: String? = nil) throws(GitOpsError) -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = (directory.map { ["-C", $0] } ?? []) + Self.configOverrides + arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        process.standardOutput = stdout
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            // stderr goes to an unlinked scratch file: it cannot fill up and stall git while stdout is
            // read, and needs no second reader thread.
            let stderr = try Self.scratchFile()
            defer { try? stderr.close() }
            process.standardError = stderr
            try process.run()
            let outData = stdout.fileHandleForReading.readDataToEndOfFile()
            exited.wait()
            try stderr.seek(toOffset: 0)
            let errData = try stderr.readToEnd() ?? Data()
            return Output(
                status: process.terminationStatus,
                stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self))
        } catch {
            throw GitOpsError(
                .gitFailed,
                "Cannot run git at \(executable.path): \(error.localizedDescription). Install git or put it on PATH.")
        }
    }

    /// A read-write file with no name, gone when closed.
    private static func scratchFile() throws -> FileHandle {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("slipway-git-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { try? FileManager.default.removeItem(at: url) }
        return try FileHandle(forUpdating: url)
    }

    /// Finds `git` on PATH once, rather than paying for `/usr/bin/env` on every command.
    private static func locate(in path: String) -> URL {
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return URL(fileURLWithPath: "/usr/bin/git")
    }
}
