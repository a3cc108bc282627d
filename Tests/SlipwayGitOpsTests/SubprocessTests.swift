import Foundation
import SlipwaySubprocess
import Synchronization
import Testing

@Suite("Subprocess")
struct SubprocessTests {
    @Test("collects stdout and stderr separately with the exit status and the given environment")
    func outputStatusAndEnvironment() throws {
        let result = try Subprocess.run(
            "/bin/sh", ["-c", "echo out $GREETING; echo err >&2; exit 3"], environment: ["GREETING": "hello"])
        #expect(result.status == 3)
        #expect(result.stdoutText == "out hello\n")
        #expect(result.stderrText == "err\n")
        #expect(!result.succeeded)
    }

    @Test("large output on both streams does not stall the child")
    func largeOutputOnBothStreams() throws {
        let script = "head -c 300000 /dev/zero | tr '\\\\0' a; head -c 200000 /dev/zero | tr '\\\\0' b >&2"
        let result = try Subprocess.run("/bin/sh", ["-c", script])
        #expect(result.succeeded)
        #expect(result.stdout.count == 300_000)
        #expect(result.stderr.count == 200_000)
        let merged = try Subprocess.run("/bin/sh", ["-c", script], mergeStandardError: true)
        #expect(merged.stdout.count == 500_000)
    }

    @Test("output captured in files: both streams, large, and not held up by a process the child leaves behind")
    func filesCapture() throws {
        let script = "head -c 300000 /dev/zero | tr '\\0' a; echo err >&2; exit 4"
        let result = try Subprocess.run("/bin/sh", ["-c", script], capture: .files)
        #expect(result.status == 4)
        #expect(result.stdout.count == 300_000)
        #expect(result.stderrText == "err\n")
        let merged = try Subprocess.run(
            "/bin/sh", ["-c", "echo out; echo err >&2"], mergeStandardError: true, capture: .files)
        #expect(merged.stdoutText == "out\nerr\n")
        // Like `pg_ctl start`: a background process keeps the output open. Through pipes this would wait for it.
        let daemon = try Subprocess.run("/bin/sh", ["-c", "sleep 600 & echo $!"], capture: .files)
        let pid = try #require(Int32(daemon.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, SIGKILL) == 0)
    }

    @Test("a child inherits only its standard streams, not descriptors this process left open across exec")
    func noInheritedDescriptors() throws {
        let fd = open("/dev/null", O_RDONLY)  // deliberately without O_CLOEXEC
        try #require(fd > 2)
        defer { close(fd) }
        let script = "[ -e /proc/self/fd/\(fd) ] && echo inherited || echo closed"
        #expect(try Subprocess.run("/bin/sh", ["-c", script]).stdoutText == "closed\n")
        #expect(try Subprocess.run("/bin/sh", ["-c", script], capture: .files).stdoutText == "closed\n")
    }

    @Test("names on PATH are found, a missing program is an error, a signal is 128 + its number")
    func lookupFailureAndSignal() throws {
        #expect(try Subprocess.run("sh", ["-c", "exit 0"]).succeeded)
        #expect(throws: Subprocess.LaunchError.self) { try Subprocess.run("/nonexistent/program", []) }
        #expect(try Subprocess.run("/bin/sh", ["-c", "kill -TERM $$"]).status == 128 + 15)
        #expect(try Subprocess.run("/bin/cat", []).stdout.isEmpty)  // stdin is /dev/null
    }

    @Test("many children from many threads each get their own output")
    func concurrentChildren() {
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let output = (try? Subprocess.run("/bin/sh", ["-c", "echo \(index)"]))?.stdoutText
            if output != "\(index)\n" { mismatches.withLock { $0 += 1 } }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }

    @Test("a started child runs until signalled; its end is seen by isRunning and waitUntilExit")
    func startSignalAndWait() throws {
        let child = try Subprocess.start("/bin/sleep", ["30"])
        #expect(child.isRunning)
        #expect(child.exitStatus == nil)
        child.send(SIGTERM)
        #expect(child.waitUntilExit() == 128 + SIGTERM)
        #expect(!child.isRunning)
        child.send(SIGKILL)  // already reaped: nothing is sent
        #expect(child.exitStatus == 128 + SIGTERM)

        let quick = try Subprocess.start("/bin/sh", ["-c", "exit 7"])
        #expect(quick.waitUntilExit() == 7)
        #expect(throws: Subprocess.LaunchError.self) { try Subprocess.start("/nonexistent/program", []) }
    }
}
