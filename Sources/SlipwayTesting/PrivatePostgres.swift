import Foundation
import SlipwaySubprocess

/// A PostgreSQL server of one test's own, which the test may stop, start and restart without disturbing the
/// server the other tests share: `initdb` in a temporary directory, trust authentication on 127.0.0.1 at a free
/// port, no fsync. Run as the `postgres` user when the tests run as root (`initdb` refuses root).
///
/// ```swift
/// let postgres = try PrivatePostgres()
/// defer { postgres.remove() }
/// let h = try SlipwayHarness(databaseURL: postgres.url)
/// try postgres.restart()
/// ```
public final class PrivatePostgres: Sendable {
    /// The cluster's directory (`/tmp/slipway-pgfault-<random>`).
    public let directory: String
    /// The loopback port it listens on (the same after every restart).
    public let port: Int
    /// `postgresql://slipway@127.0.0.1:<port>/postgres`.
    public var url: String { "postgresql://slipway@127.0.0.1:\(port)/postgres" }
    private let user: String?

    /// Creates the cluster and starts it.
    /// - Throws: `TestPostgres.Unavailable` with the tool's message when `initdb` or `pg_ctl` fails.
    public init() throws {
        user = getuid() == 0 ? "postgres" : nil
        // As root the server runs as `postgres`, which cannot enter a private TMPDIR (`make test` makes one with
        // mode 0700): the cluster then lives in /tmp itself.
        let parent = user == nil ? FileManager.default.temporaryDirectory.path : "/tmp"
        directory = parent + "/slipway-pgfault-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            if user != nil { try Self.run("chown", ["-R", "postgres:postgres", directory], asUser: nil) }
            try Self.run(
                "initdb", ["-D", directory + "/data", "-U", "slipway", "-A", "trust", "-E", "UTF8", "--no-sync"],
                asUser: user)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        var chosen = 0
        var lastError: (any Error)?
        for _ in 0..<5 {
            let candidate = Int.random(in: 40_000..<50_000)
            do {
                try Self.pgctl(
                    ["start", "-w", "-t", "30", "-o", Self.options(port: candidate, directory: directory)],
                    directory: directory, user: user)
                chosen = candidate
                break
            } catch {
                lastError = error
            }
        }
        guard chosen != 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw lastError ?? TestPostgres.Unavailable(description: "pg_ctl start failed")
        }
        port = chosen
    }

    /// Stops the server the way an operator's restart does (`pg_ctl stop -m fast`: sessions are disconnected).
    public func stop() throws {
        try Self.pgctl(["stop", "-w", "-t", "30", "-m", "fast"], directory: directory, user: user)
    }

    /// Starts the stopped server again on the same port.
    public func start() throws {
        try Self.pgctl(
            ["start", "-w", "-t", "30", "-o", Self.options(port: port, directory: directory)], directory: directory,
            user: user)
    }

    /// `stop()` then `start()`.
    public func restart() throws {
        try stop()
        try start()
    }

    /// Stops the server at once and removes its directory.
    public func remove() {
        _ = try? Self.pgctl(["stop", "-w", "-t", "10", "-m", "immediate"], directory: directory, user: user)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func options(port: Int, directory: String) -> String {
        "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            + "-c full_page_writes=off -c max_connections=100"
    }

    private static func pgctl(_ arguments: [String], directory: String, user: String?) throws {
        try run("pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log"] + arguments, asUser: user)
    }

    private static func run(_ tool: String, _ arguments: [String], asUser user: String?) throws {
        guard let executable = locate(tool) else {
            throw TestPostgres.Unavailable(description: "`\(tool)` not found (install postgresql)")
        }
        var command = [executable] + arguments
        if let user { command = ["/usr/sbin/runuser", "-u", user, "--"] + command }
        // Output goes to files: `pg_ctl start` leaves the server running with the child's output still open.
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(command[0], Array(command.dropFirst()), capture: .files)
        } catch {
            throw TestPostgres.Unavailable(description: "cannot start \(tool): \(error)")
        }
        guard result.succeeded else {
            throw TestPostgres.Unavailable(
                description: "\(tool) exited with \(result.status): "
                    + result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func locate(_ tool: String) -> String? {
        let fileManager = FileManager.default
        var directories = ["/usr/sbin", "/usr/bin"]
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        directories =
            versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
            + directories
        return directories.map { $0 + "/" + tool }.first { fileManager.isExecutableFile(atPath: $0) }
    }
}
