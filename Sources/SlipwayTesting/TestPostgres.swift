import Foundation
import SlipwaySubprocess
import Synchronization

/// A real PostgreSQL server for tests, and a fresh database per test.
///
/// The server is found once per test process, in this order:
/// 1. `SLIPWAY_SKIP_POSTGRES=1`: no server; `isSkipped` is true and PostgreSQL tests leave themselves out.
/// 2. `SLIPWAY_TEST_DATABASE_URL` (what `make test` exports): that server. The URL's role needs `CREATEDB`.
/// 3. `postgresql://slipway:slipway@127.0.0.1:5432/slipway` when it answers (the setup `make test` performs).
/// 4. A private throwaway cluster: `initdb` + `pg_ctl` in a temporary directory on a random loopback port
///    (run as the `postgres` user when the tests run as root, since `initdb` refuses root). It is stopped when
///    the test process exits; one left behind by a crashed run is stopped by the next run.
///
/// `SLIPWAY_TEST_POSTGRES_PRIVATE=1` goes straight to 4 (ignores the URL and the default server).
///
/// When none of these works, `makeDatabase()` throws an error that says what to do, so PostgreSQL tests fail
/// rather than pass silently. Databases are created and dropped with `psql`, the password passed in `PGPASSWORD`.
public enum TestPostgres {
    /// Environment variable with the server URL (a role with `CREATEDB`).
    public static let urlVariable = "SLIPWAY_TEST_DATABASE_URL"
    /// Environment variable that, set to `1`, leaves PostgreSQL tests out.
    public static let skipVariable = "SLIPWAY_SKIP_POSTGRES"
    /// Environment variable that, set to `1`, always uses a private throwaway cluster.
    public static let privateClusterVariable = "SLIPWAY_TEST_POSTGRES_PRIVATE"
    /// Where the setup of `make test` puts the server.
    public static let defaultURL = "postgresql://slipway:slipway@127.0.0.1:5432/slipway"

    /// True when `SLIPWAY_SKIP_POSTGRES=1`.
    public static var isSkipped: Bool { ProcessInfo.processInfo.environment[skipVariable] == "1" }

    /// A database created for one test; `drop()` it when the test ends.
    public struct Database: Sendable {
        /// `slipway_test_<random>`.
        public let name: String
        /// The URL of this database (same server and role as the server URL).
        public let url: String
        fileprivate let serverURL: String

        /// Runs one SQL command on this database with `psql`.
        /// - Returns: the rows, one per line, columns separated by `|`.
        /// - Throws: `Unavailable` with `psql`'s message when the command fails.
        @discardableResult
        public func execute(_ sql: String) throws -> String {
            try TestPostgres.psql(url, sql).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Drops the database, disconnecting whoever still uses it.
        public func drop() {
            _ = try? TestPostgres.psql(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    /// Why no server could be used, and how to provide one.
    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The URL of the server (starting a private one if needed).
    /// - Throws: `Unavailable` with what was tried and how to fix it.
    public static func serverURL() throws -> String {
        try resolution.get()
    }

    /// Creates an empty database `slipway_test_<random>` on the server.
    /// - Returns: its name and URL.
    /// - Throws: `Unavailable` when there is no server, or `psql`'s message when creating fails.
    public static func makeDatabase() throws -> Database {
        let server = try serverURL()
        let name = "slipway_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try psql(server, "CREATE DATABASE \(name)")
        guard var components = URLComponents(string: server) else {
            throw Unavailable(description: "\(urlVariable) must be a postgresql:// URL")
        }
        components.path = "/" + name
        return Database(name: name, url: components.string ?? server, serverURL: server)
    }

    // MARK: Finding a server

    private static let resolution: Result<String, Unavailable> = Result { try resolve() }.mapError { error in
        error as? Unavailable ?? Unavailable(description: "\(error)")
    }

    private static func resolve() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if environment[privateClusterVariable] == "1" {
            do {
                return try PrivateCluster.start()
            } catch {
                throw Unavailable(
                    description: "\(privateClusterVariable)=1 but starting a private cluster failed: \(error)")
            }
        }
        if let url = environment[urlVariable], !url.isEmpty {
            do {
                try psql(url, "SELECT 1")
                return url
            } catch {
                throw Unavailable(
                    description: "\(urlVariable) is set but PostgreSQL does not answer: \(error). "
                        + "Start the server (see the Makefile's test setup) or set \(skipVariable)=1.")
            }
        }
        var tried = ["\(urlVariable) is not set"]
        if (try? run("pg_isready", ["-q", "-h", "127.0.0.1", "-p", "5432", "-t", "2"])) != nil {
            do {
                try psql(defaultURL, "SELECT 1")
                return defaultURL
            } catch {
                tried.append("the server on 127.0.0.1:5432 refused \(redacted(defaultURL)): \(error)")
            }
        } else {
            tried.append("nothing answers on 127.0.0.1:5432")
        }
        do {
            return try PrivateCluster.start()
        } catch {
            tried.append("starting a private cluster failed: \(error)")
        }
        throw Unavailable(
            description: "no PostgreSQL server for the tests (\(tried.joined(separator: "; "))). "
                + "Export \(urlVariable)=postgresql://user:password@host:port/db (a role with CREATEDB), "
                + "or set \(skipVariable)=1 to leave the PostgreSQL tests out.")
    }

    // MARK: Processes

    /// Runs one SQL command with `psql` against `url`, the password handed over in the environment.
    @discardableResult
    fileprivate static func psql(_ url: String, _ sql: String) throws -> String {
        var environment = ["PGCONNECT_TIMEOUT": "5"]
        var target = url
        if var components = URLComponents(string: url), let password = components.password {
            environment["PGPASSWORD"] = password.removingPercentEncoding ?? password
            components.password = nil
            target = components.string ?? url
        }
        return try run(
            "psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql],
            environment: environment)
    }

    /// The URL without its password, for messages.
    fileprivate static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "(URL)"
    }

    /// Runs a PostgreSQL tool (from `PATH` or the newest `/usr/lib/postgresql/*/bin`), optionally as another user.
    /// - Returns: its standard output. - Throws: `Unavailable` with its standard error when it exits non-zero.
    @discardableResult
    fileprivate static func run(
        _ tool: String, _ arguments: [String], environment: [String: String] = [:], asUser user: String? = nil
    ) throws -> String {
        let executable = try locate(tool)
        let command = try user.map { [try locate("runuser"), "-u", $0, "--", executable] } ?? [executable]
        // Output goes to files: `pg_ctl start` leaves the server running with the child's output still open, so
        // a pipe would never reach its end.
        let result: Subprocess.Result
        do {
            result = try Subprocess.run(
                command[0], Array(command.dropFirst()) + arguments,
                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, capture: .files)
        } catch {
            throw Unavailable(description: "cannot start \(tool): \(String(cString: strerror(error.code)))")
        }
        guard result.succeeded else {
            let stderr = result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
            let how =
                result.status > 128 ? "was killed by signal \(result.status - 128)" : "exited with \(result.status)"
            throw Unavailable(description: "\(tool) \(how): \(stderr)")
        }
        return result.stdoutText
    }

    private static func locate(_ tool: String) throws -> String {
        let fileManager = FileManager.default
        var directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin")
            .split(separator: ":").map(String.init)
        let versions = (try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        directories += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
        directories += ["/usr/sbin", "/sbin"]
        for directory in directories where fileManager.isExecutableFile(atPath: directory + "/" + tool) {
            return directory + "/" + tool
        }
        throw Unavailable(description: "`\(tool)` not found (install postgresql and postgresql-client)")
    }

    // MARK: Private cluster

    /// A cluster of our own in `/tmp/slipway-pg-<random>`: trust authentication on 127.0.0.1 only, no fsync.
    private enum PrivateCluster {
        static let directoryPrefix = "slipway-pg-"
        /// The cluster directory of this process, for the exit handler.
        private static let started = LockedPath()

        static func start() throws -> String {
            stopAbandoned()
            let isRoot = getuid() == 0
            let user = isRoot ? "postgres" : nil
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent(directoryPrefix + UUID().uuidString.prefix(8).lowercased()).path
            let data = directory + "/data"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try String(getpid()).write(toFile: directory + "/owner.pid", atomically: true, encoding: .utf8)
            if isRoot {
                try run("chown", ["-R", "postgres:postgres", directory])
            }
            started.set(directory)
            atexit { TestPostgres.PrivateCluster.stopStarted() }
            try run("initdb", ["-D", data, "-U", "slipway", "-A", "trust", "-E", "UTF8", "--no-sync"], asUser: user)
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = Int.random(in: 20_000..<40_000)
                let options =
                    "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off "
                    + "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
                do {
                    try run(
                        "pg_ctl",
                        ["-D", data, "-l", directory + "/server.log", "-w", "-t", "30", "-o", options, "start"],
                        asUser: user)
                    return "postgresql://slipway@127.0.0.1:\(port)/postgres"
                } catch {
                    lastError = error  // most likely the port was taken: try another
                }
            }
            throw lastError ?? Unavailable(description: "pg_ctl start failed")
        }

        /// Stops this process's cluster (exit handler): no tools are run at exit, only signals.
        static func stopStarted() {
            guard let directory = started.value else { return }
            stop(directory)
        }

        /// Stops clusters whose test process is gone (a crashed run).
        private static func stopAbandoned() {
            let temporary = FileManager.default.temporaryDirectory.path
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
            for entry in entries where entry.hasPrefix(directoryPrefix) {
                let directory = temporary + "/" + entry
                guard let text = try? String(contentsOfFile: directory + "/owner.pid", encoding: .utf8),
                    let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                    kill(owner, 0) != 0 && errno == ESRCH
                else { continue }
                stop(directory)
            }
        }

        /// Immediate shutdown (SIGQUIT to the postmaster), then removes the directory.
        private static func stop(_ directory: String) {
            if let text = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8),
                let line = text.split(separator: "\n").first, let postmaster = pid_t(line), postmaster > 0
            {
                kill(postmaster, SIGQUIT)
                for _ in 0..<200 where kill(postmaster, 0) == 0 {
                    usleep(10_000)
                }
            }
            try? FileManager.default.removeItem(atPath: directory)
        }

        private final class LockedPath: Sendable {
            private let path = Mutex<String?>(nil)
            func set(_ value: String) { path.withLock { $0 = value } }
            var value: String? { path.withLock { $0 } }
        }
    }
}
