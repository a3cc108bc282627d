#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a short-lived child process with `posix_spawn` and collects what it prints.
///
/// Used instead of Foundation's `Process` for the many short commands Slipway runs (git, kubectl): on Linux,
/// `Process.run()` in Swift 6.3.1 intermittently crashes reading past a `dirent` while it scans `/proc/self/fd`
/// (swift-corelibs-foundation PR #5472), and it crashed this project's test runs that way. Here the pipes are
/// opened close-on-exec, so only the child's standard streams survive into it.
///
/// ```swift
/// let result = try Subprocess.run("/usr/bin/git", ["--version"])
/// print(result.status, result.stdoutText)
/// ```
public enum Subprocess {
    /// What a finished child printed, and how it ended.
    public struct Result: Sendable {
        /// The exit status, or 128 + signal number when a signal ended it.
        public let status: Int32
        public let stdout: [UInt8]
        public let stderr: [UInt8]

        public var succeeded: Bool { status == 0 }
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Why a child could not be started.
    public struct LaunchError: Error, CustomStringConvertible {
        public let executable: String
        public let code: Int32
        public var description: String {
            "cannot run \(executable): \(String(cString: strerror(code)))"
        }
    }

    /// Runs `executable` with `arguments`, standard input from /dev/null, and waits for it to exit.
    /// - Parameters:
    ///   - executable: An absolute path, or a name looked up on the `PATH` of `environment`.
    ///   - arguments: The arguments after the program name.
    ///   - environment: The child's whole environment (its `PATH` finds a bare `executable`); nil passes the current
    ///     process's.
    ///   - mergeStandardError: Send standard error to the same pipe as standard output.
    /// - Throws: `LaunchError` when the program cannot be started (not found, not executable).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        mergeStandardError: Bool = false
    ) throws(LaunchError) -> Result {
        let searchPath = environment.map { $0["PATH"] } ?? getenv("PATH").map { String(cString: $0) }
        let path = executable.contains("/") ? executable : locate(executable, searchPath: searchPath) ?? executable
        // The pipes are made close-on-exec and the child spawned under one lock, so a child spawned by another
        // thread in between cannot inherit (and hold open) this child's pipe ends.
        spawnLock.lock()
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe) else {
            spawnLock.unlock()
            throw LaunchError(executable: path, code: errno)
        }
        guard mergeStandardError || makePipe(&errPipe) else {
            let code = errno
            close(outPipe[0])
            close(outPipe[1])
            spawnLock.unlock()
            throw LaunchError(executable: path, code: code)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, mergeStandardError ? outPipe[1] : errPipe[1], 2)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        // nil environment: the child gets this process's own `environ`, as is.
        let envp = environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        // The child starts with no blocked signals and every signal at its default action, whatever this process
        // ignores or blocks (a server ignores SIGPIPE and handles SIGTERM itself).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned =
            envp.map { posix_spawn(&pid, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        posix_spawnattr_destroy(&attributes)
        close(outPipe[1])
        if !mergeStandardError { close(errPipe[1]) }
        spawnLock.unlock()
        posix_spawn_file_actions_destroy(&actions)
        for pointer in argv { free(pointer) }
        for pointer in envp ?? [] { free(pointer) }
        guard spawned == 0 else {
            close(outPipe[0])
            if !mergeStandardError { close(errPipe[0]) }
            throw LaunchError(executable: path, code: spawned)
        }

        let (stdout, stderr) = drain(outPipe[0], mergeStandardError ? nil : errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus, stdout: stdout, stderr: stderr)
    }

    private static let spawnLock = SpawnLock()

    /// A pipe whose two ends are closed on exec.
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Reads both pipes to their end at once (so a child filling one never stalls on the other), then closes them.
    private static func drain(_ out: Int32, _ err: Int32?) -> ([UInt8], [UInt8]) {
        var buffers: [[UInt8]] = [[], []]
        var fds = [pollfd(fd: out, events: Int16(POLLIN), revents: 0)]
        if let err { fds.append(pollfd(fd: err, events: Int16(POLLIN), revents: 0)) }
        var open = fds.count
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open > 0 {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffers[index].append(contentsOf: chunk[0..<count])
                } else if count == 0 || errno != EINTR {
                    close(fds[index].fd)
                    fds[index].fd = -1
                    open -= 1
                }
            }
        }
        return (buffers[0], buffers[1])
    }

    /// The first executable file named `name` in the `:`-separated directories of `searchPath` (the `PATH`
    /// convention; /usr/local/bin:/usr/bin:/bin when nil), or nil.
    public static func locate(_ name: String, searchPath: String?) -> String? {
        for directory in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// A plain pthread mutex (this target depends on nothing but the C library).
private final class SpawnLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}
