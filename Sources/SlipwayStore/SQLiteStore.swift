import CSQLite
import Foundation

/// The embedded store for a single Slipway replica: one SQLite file in WAL mode.
///
/// Writes go through one connection, one at a time (`BEGIN IMMEDIATE`); reads run concurrently on a small pool of
/// reader connections, each seeing a consistent snapshot while writes continue. Every connection caches its
/// prepared statements. `synchronous = NORMAL` means a commit is durable against a crash of Slipway, and against
/// power loss up to the last checkpoint.
///
/// Do not call the store from inside a `write` body: a nested `write` throws. (A nested `read` works, and sees the
/// database as it was before the write began, except with `:memory:`, where it sees the write in progress.)
public final class SQLiteStore: Store, @unchecked Sendable {
    /// The database file (or `:memory:`).
    public let path: String
    private let writer: SQLiteConnection
    /// Guards `writer` and `writerBusy`; recursive so a nested call on the writing thread can be detected.
    private let writerLock = NSRecursiveLock()
    private var writerBusy = false
    /// Nil for `:memory:`, where every connection would see its own empty database: reads share the writer.
    private let readers: ConnectionPool<SQLiteConnection>?
    private let checkpointer: SQLiteCheckpointer?

    /// Opens (creating it and its parent directory when needed) and migrates the database at `path`.
    /// - Parameters:
    ///   - path: a file path, or `:memory:` for a private in-memory database (tests).
    ///   - maxReaders: most reader connections open at once; further concurrent reads wait for one.
    /// - Throws: `StoreError` when the file cannot be opened or migrated.
    public convenience init(path: String, maxReaders: Int = 8) throws {
        try self.init(path: path, maxReaders: maxReaders, schemaVersion: StoreSchema.latestVersion)
    }

    /// Opens the database and migrates it to `schemaVersion` only (tests build old databases with it).
    init(path: String, maxReaders: Int, schemaVersion: Int) throws {
        guard sqlite3_libversion_number() >= 3_035_000 else {
            throw StoreError.open("SQLite 3.35 or newer is needed; found \(String(cString: sqlite3_libversion()))")
        }
        let isMemory = path == ":memory:"
        if !isMemory {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError.open(
                    "cannot create directory \(directory) for the database: \(error.localizedDescription)")
            }
        }
        self.path = path
        let busyTimeout = Duration.seconds(5)
        writer = try SQLiteConnection(path: path, readOnly: false, busyTimeout: busyTimeout)
        do {
            if let size = ProcessInfo.processInfo.environment["XPAGESIZE"] {
                try writer.executeScript("PRAGMA page_size = \(size)")
            }
            if !isMemory {
                let mode = try writer.query("PRAGMA journal_mode = WAL", []) { $0.text(at: 0) }.first ?? nil
                guard mode?.lowercased() == "wal" else {
                    throw StoreError.open("cannot switch \(path) to WAL mode (journal mode is \(mode ?? "unknown"))")
                }
            }
            try writer.executeScript("PRAGMA synchronous = NORMAL")
            for pragma in (ProcessInfo.processInfo.environment["XPRAGMAS"] ?? "").split(separator: ";") {
                try writer.executeScript("PRAGMA \(pragma)")
            }
            try writer.executeScript("PRAGMA journal_size_limit = 67108864")
        } catch let error as StoreError {
            throw StoreError.open("cannot set up \(path): \(error.message)")
        }
        try StoreMigrator.migrate(writer, to: schemaVersion)
        if isMemory {
            readers = nil
            checkpointer = nil
        } else {
            readers = ConnectionPool(maximum: maxReaders, waitTimeout: .seconds(30)) {
                try SQLiteConnection(path: path, readOnly: true, busyTimeout: busyTimeout)
            }
            let checkpointer = SQLiteCheckpointer(
                connection: try SQLiteConnection(path: path, readOnly: false, busyTimeout: busyTimeout),
                interval: 2_000, restartFrames: 50_000)
            checkpointer.start()
            writer.delegateCheckpoints(to: checkpointer)
            self.checkpointer = checkpointer
        }
    }

    deinit {
        checkpointer?.stop()
    }

    /// Runs `body` in a read snapshot on a reader connection.
    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        guard let readers else { return try withWriter(writable: false, body) }
        return try readers.withConnection { connection in
            try SQLTransaction.run(on: connection, writable: false, body)
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction on the writer connection, after any write in progress.
    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try withWriter(writable: true, body)
    }

    private func withWriter<T>(writable: Bool, _ body: (SQLTransaction<SQLiteConnection>) throws -> T) throws -> T {
        writerLock.lock()
        defer { writerLock.unlock() }
        if writerBusy {
            // Only the thread running a write body gets here (the lock is recursive).
            guard !writable else {
                throw StoreError.query("store.write called inside a write body; use the writer it was given")
            }
            return try SQLTransaction.joined(on: writer, body)
        }
        writerBusy = true
        defer { writerBusy = false }
        return try SQLTransaction.run(on: writer, writable: writable, body)
    }
}
