import Synchronization

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

    /// How a child's output is collected.
    public enum Capture: Sendable {
        /// Through pipes, read while the child runs.
        case pipes
        /// Into temporary files, read once it has exited: for a child that leaves a daemon behind holding its
        /// output open (`pg_ctl start`), where a pipe would never reach its end.
        case files
    }

    /// Runs `executable` with `arguments`, standard input from /dev/null, and waits for it to exit.
    /// - Parameters:
    ///   - executable: An absolute path, or a name looked up on the `PATH` of `environment`.
    ///   - arguments: The arguments after the program name.
    ///   - environment: The child's whole environment (its `PATH` finds a bare `executable`); nil passes the current
    ///     process's.
    ///   - mergeStandardError: Send standard error to the same place as standard output.
    ///   - capture: Pipes (the default) or temporary files.
    /// - Throws: `LaunchError` when the program cannot be started (not found, not executable) or its output files
    ///   cannot be created.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        mergeStandardError: Bool = false, capture: Capture = .pipes
    ) throws(LaunchError) -> Result {
        let path = resolve(executable, environment: environment)
        if capture == .files {
            return try runCapturingFiles(
                path, arguments, environment: environment, mergeStandardError: mergeStandardError)
        }
        // The pipes are made close-on-exec and the child spawned under one lock, so a child spawned by another
        // thread in between cannot inherit (and hold open) this child's pipe ends.
        let (outPipe, errPipe, spawned) = try spawnLock.withLock {
            _ throws(LaunchError) -> ([Int32], [Int32], Swift.Result<pid_t, LaunchError>) in
            var outPipe: [Int32] = [-1, -1]
            var errPipe: [Int32] = [-1, -1]
            guard makePipe(&outPipe) else { throw LaunchError(executable: path, code: errno) }
            guard mergeStandardError || makePipe(&errPipe) else {
                let code = errno
                close(outPipe[0])
                close(outPipe[1])
                throw LaunchError(executable: path, code: code)
            }
            let spawned = spawn(
                path, arguments, environment: environment, output: outPipe[1],
                error: mergeStandardError ? outPipe[1] : errPipe[1])
            close(outPipe[1])
            if !mergeStandardError { close(errPipe[1]) }
            return (outPipe, errPipe, spawned)
        }
        let pid: pid_t
        switch spawned {
        case .success(let child): pid = child
        case .failure(let error):
            close(outPipe[0])
            if !mergeStandardError { close(errPipe[0]) }
            throw error
        }

        let (stdout, stderr) = drain(outPipe[0], mergeStandardError ? nil : errPipe[0])
        return Result(status: waitForExit(pid, options: 0) ?? 128, stdout: stdout, stderr: stderr)
    }

    /// `run` with the output going to unlinked temporary files, read back after the child exits.
    private static func runCapturingFiles(
        _ path: String, _ arguments: [String], environment: [String: String]?, mergeStandardError: Bool
    ) throws(LaunchError) -> Result {
        // The files are made under the spawn lock, so no other child is spawned before they are close-on-exec.
        let (out, err, spawned) = try spawnLock.withLock {
            _ throws(LaunchError) -> (Int32, Int32, Swift.Result<pid_t, LaunchError>) in
            guard let out = makeTemporaryFile() else { throw LaunchError(executable: path, code: errno) }
            let err = mergeStandardError ? out : makeTemporaryFile()
            guard let err else {
                let code = errno
                close(out)
                throw LaunchError(executable: path, code: code)
            }
            return (out, err, spawn(path, arguments, environment: environment, output: out, error: err))
        }
        defer {
            close(out)
            if err != out { close(err) }
        }
        let status = waitForExit(try spawned.get(), options: 0) ?? 128
        return Result(status: status, stdout: readAll(out), stderr: mergeStandardError ? [] : readAll(err))
    }

    /// A close-on-exec descriptor for a new temporary file that is already unlinked, so nothing is left behind.
    private static func makeTemporaryFile() -> Int32? {
        var template = Array("/tmp/slipway-subprocess-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return fd
    }

    /// Everything in the file behind `fd`, from its start.
    private static func readAll(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
                offset += off_t(count)
            } else if count == 0 || errno != EINTR {
                return bytes
            }
        }
    }

    /// Starts `executable` and returns at once, for a long-running child (a server under test) that is signalled
    /// and waited for later. Standard input comes from /dev/null; its output goes to /dev/null.
    /// - Parameters:
    ///   - executable: An absolute path, or a name looked up on the `PATH` of `environment`.
    ///   - arguments: The arguments after the program name.
    ///   - environment: The child's whole environment; nil passes the current process's.
    /// - Throws: `LaunchError` when the program cannot be started.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws(LaunchError) -> Child {
        let path = resolve(executable, environment: environment)
        let spawned = spawnLock.withLock { _ in
            spawn(path, arguments, environment: environment, output: nil, error: nil)
        }
        return Child(pid: try spawned.get())
    }

    /// A child started by ``start(_:_:environment:)``. It is reaped by whichever of ``isRunning``,
    /// ``waitUntilExit()`` or ``exitStatus`` first sees it gone; once it is reaped, signals are no longer
    /// sent (its process id may belong to another process by then).
    public final class Child: Sendable {
        /// The child's process id.
        public let pid: pid_t
        /// How it ended, once it has been reaped (exit status, or 128 + signal number).
        private let ended = Mutex<Int32?>(nil)

        init(pid: pid_t) { self.pid = pid }

        /// Whether the child has not exited yet (it is reaped here when it has).
        public var isRunning: Bool { exitStatus == nil }

        /// How the child ended (its exit status, or 128 + the number of the signal that ended it), or nil while
        /// it runs.
        public var exitStatus: Int32? {
            ended.withLock { ended in
                if ended == nil { ended = Subprocess.waitForExit(pid, options: WNOHANG) }
                return ended
            }
        }

        /// Sends `signal` (e.g. `SIGTERM`) unless the child has already been reaped.
        public func send(_ signal: Int32) {
            ended.withLock { ended in
                if ended == nil { _ = kill(pid, signal) }
            }
        }

        /// Blocks until the child exits and returns ``exitStatus``.
        @discardableResult
        public func waitUntilExit() -> Int32 {
            while true {
                if let status = exitStatus { return status }
                // Waits for the exit without reaping it, outside the lock, so `send` and `isRunning` stay usable.
                var info = siginfo_t()
                if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno != EINTR {
                    return exitStatus ?? 128  // not our child any more: reaped elsewhere
                }
            }
        }
    }

    /// The path to spawn: `executable` itself when it contains a `/`, otherwise its first match on the `PATH` of
    /// `environment` (or of this process).
    private static func resolve(_ executable: String, environment: [String: String]?) -> String {
        guard !executable.contains("/") else { return executable }
        let searchPath = environment.map { $0["PATH"] } ?? getenv("PATH").map { String(cString: $0) }
        return locate(executable, searchPath: searchPath) ?? executable
    }

    /// Spawns `path` with standard input from /dev/null and the given descriptors (nil: /dev/null) as standard
    /// output and error. The caller holds `spawnLock`.
    private static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String]?, output: Int32?, error: Int32?
    ) -> Swift.Result<pid_t, LaunchError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (target, source) in [(Int32(1), output), (Int32(2), error)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        // Nothing else is inherited: not the server's sockets, the store's files, or a file another thread is
        // writing (a script about to be run fails with "Text file busy" while a child holds it open).
        _ = addCloseFrom?(&actions, 3)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        // nil environment: the child gets this process's own `environ`, as is.
        let envp = environment.map { variables in variables.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp ?? [] { free(pointer) }
        }
        // The child starts with no blocked signals and every signal at its default action, whatever this process
        // ignores or blocks (a server ignores SIGPIPE and handles SIGTERM itself).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let code =
            envp.map { posix_spawn(&pid, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        return code == 0 ? .success(pid) : .failure(LaunchError(executable: path, code: code))
    }

    /// Reaps `pid`: its exit status, or 128 + the signal that ended it; nil while it runs (with `WNOHANG`) or when
    /// it cannot be waited for.
    fileprivate static func waitForExit(_ pid: pid_t, options: Int32) -> Int32? {
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(pid, &status, options) } while reaped == -1 && errno == EINTR
        guard reaped == pid else { return nil }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Held from making a child's descriptors to spawning it (see `run`).
    private static let spawnLock = Mutex(())

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run time because the
    /// Glibc module does not declare it; nil on an older C library, where children inherit what is not
    /// close-on-exec.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return nil }
            return unsafeBitCast(
                symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
        }()

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
