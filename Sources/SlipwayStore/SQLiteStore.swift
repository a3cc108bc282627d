import CSQLite
import Foundation

/// The embedded store for a single Slipway replica: one SQLite file in WAL mode.
///
/// Writes go through one connection, one at a time (`BEGIN IMMEDIATE`), with group commit: writers that arrive
/// while another one runs share its commit (see `SQLiteWriter`). Reads run concurrently on a small pool of
/// reader connections, each seeing a consistent snapshot while writes continue. Every connection caches its
/// prepared statements. `synchronous = NORMAL`: a commit survives a crash of Slipway, and a power loss up to the
/// last checkpoint. Checkpoints run on a thread of their own (`SQLiteCheckpointer`), off the commit path.
///
/// A `write` body must do nothing but store calls: in particular it must not wait for another thread that may be
/// writing. A `write` inside a write body throws; a `read` inside one sees the last commit.
public final class SQLiteStore: Store, Sendable {
    /// The database file (or `:memory:`).
    public let path: String
    public let executor = StoreExecutor(label: "slipway.store.sqlite")
    private let writer: SQLiteWriter
    /// Nil for `:memory:`, where every connection would see its own empty database: reads share the writer.
    private let readers: ConnectionPool<SQLiteConnection>?
    private let checkpointer: SQLiteCheckpointer?

    /// Whether other processes may open the database file while this store has it open.
    public enum ProcessAccess: Sendable {
        /// Only this process (SQLite's `unix-excl` VFS): the WAL index lives in this process's memory, with no
        /// `-shm` file. A `-shm` file is memory-mapped, and when it cannot be written (made immutable, truncated,
        /// or on a full copy-on-write file system) the next write to the mapping kills the process with SIGBUS;
        /// without it a full disk or an unwritable directory is only a `StoreError`. Another process opening the
        /// file gets "database is locked".
        case exclusive
        /// Other processes too (the `sqlite3` shell, `.backup`, tests reading a child's store): a shared `-shm`
        /// file, with the SIGBUS risk above.
        case shared

        /// `.shared` when the environment variable `SLIPWAY_SQLITE_SHARED` is `1`, else `.exclusive`.
        public static var fromEnvironment: ProcessAccess {
            ProcessInfo.processInfo.environment["SLIPWAY_SQLITE_SHARED"] == "1" ? .shared : .exclusive
        }

        /// The SQLite VFS that gives this access: `unix-excl` or the default.
        var vfs: String? { self == .exclusive ? "unix-excl" : nil }
    }

    /// Opens (creating it and its parent directory when needed) and migrates the database at `path`.
    /// - Parameters:
    ///   - path: a file path, or `:memory:` for a private in-memory database (tests).
    ///   - maxReaders: most reader connections open at once; further concurrent reads wait for one.
    ///   - processAccess: whether other processes may open the file meanwhile (see ``ProcessAccess``).
    /// - Throws: `StoreError` when the file cannot be opened or migrated.
    public convenience init(path: String, maxReaders: Int = 8, processAccess: ProcessAccess = .fromEnvironment) throws {
        try self.init(
            path: path, maxReaders: maxReaders, schemaVersion: StoreSchema.latestVersion, processAccess: processAccess)
    }

    /// Opens the database and migrates it to `schemaVersion` only (tests build old databases with it).
    init(path: String, maxReaders: Int, schemaVersion: Int, processAccess: ProcessAccess = .fromEnvironment) throws {
        // A write past RLIMIT_FSIZE would raise SIGXFSZ, which ends the process; ignored, the write fails with
        // EFBIG and SQLite reports it like a full disk.
        signal(SIGXFSZ, SIG_IGN)
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
        let vfs = isMemory ? nil : processAccess.vfs
        let writer = try SQLiteConnection(path: path, readOnly: false, busyTimeout: busyTimeout, vfs: vfs)
        do {
            // Small pages for a new file (an existing one keeps its size): a commit appends every page it touched
            // to the WAL, and every WAL byte reaches the disk at a checkpoint. The webhook's transaction touches
            // ~20 b-tree pages, so 1 KiB pages write a quarter of the bytes of the 4 KiB default; measured 1.5–2×
            // more writes per second, with reads unchanged.
            try writer.executeScript("PRAGMA page_size = 1024")
            if !isMemory {
                let mode = try writer.query("PRAGMA journal_mode = WAL", []) { $0.text(at: 0) }.first ?? nil
                guard mode?.lowercased() == "wal" else {
                    throw StoreError.open("cannot switch \(path) to WAL mode (journal mode is \(mode ?? "unknown"))")
                }
            }
            try writer.executeScript("PRAGMA synchronous = NORMAL")
            try writer.executeScript("PRAGMA cache_size = \(Self.writerCacheKiB)")
            try writer.executeScript("PRAGMA journal_size_limit = 67108864")
            // Savepoints (one per write, for group commit) keep their undo pages in a sub-journal: in memory, not
            // in a temporary file created and deleted for every write.
            try writer.executeScript("PRAGMA temp_store = MEMORY")
        } catch let error as StoreError {
            let inUse =
                error.message.contains("locked")
                ? " (another process has the database open: Slipway opens it for itself only; stop the other process,"
                    + " or set SLIPWAY_SQLITE_SHARED=1 in both to share it)" : ""
            throw StoreError.open("cannot set up \(path): \(error.message)\(inUse)")
        }
        try StoreMigrator.migrate(writer, to: schemaVersion)
        self.writer = SQLiteWriter(connection: writer, maxGroupSize: isMemory ? 1 : 32)
        if isMemory {
            readers = nil
            checkpointer = nil
        } else {
            readers = ConnectionPool(maximum: maxReaders, waitTimeout: .seconds(30)) {
                let reader = try SQLiteConnection(path: path, readOnly: true, busyTimeout: busyTimeout, vfs: vfs)
                try reader.executeScript("PRAGMA cache_size = \(Self.readerCacheKiB)")
                return reader
            }
            // Checkpoint every 4 MiB of WAL; past 32 MiB the writer helps so the WAL starts over.
            let pageSize = try writer.query("PRAGMA page_size", []) { $0.integer(at: 0) }.first.flatMap { $0 } ?? 4096
            let checkpointer = SQLiteCheckpointer(
                connection: try SQLiteConnection(path: path, readOnly: false, busyTimeout: busyTimeout, vfs: vfs),
                interval: Int32(4 << 20 / pageSize), restartFrames: Int32(32 << 20 / pageSize))
            checkpointer.start()
            writer.delegateCheckpoints(to: checkpointer)
            self.checkpointer = checkpointer
        }
    }

    /// The writer's page cache, in KiB (negative: SQLite's unit for a size in KiB). Every commit walks the cache's
    /// hash table (pcache1Truncate): with 16 MB that walk was 10% of a webhook's time. The hot pages (the right
    /// edges of the indexes) fit easily, and the OS page cache holds the rest; a cache fills as the file grows and
    /// never shrinks, so its size is also part of the process's steady memory.
    static let writerCacheKiB = -512
    /// Each reader's page cache, in KiB. Readers look up recent rows through indexes, and up to `maxReaders` of them
    /// fill their caches from the same file: with SQLite's default 2 MB each, the soak's SQLite memory was still
    /// climbing after 10 minutes; with these sizes it levels off at about 1.8 MiB within 8 (`Benchmarks/soak.sh`).
    static let readerCacheKiB = -128

    /// Bytes SQLite holds in this process (page caches, prepared statements, schemas of every connection):
    /// `slipway_sqlite_memory_bytes`, and a column of the soak.
    public static var memoryInUse: Int64 { sqlite3_memory_used() }

    deinit {
        checkpointer?.stop()
    }

    /// Runs `body` in a read snapshot on a reader connection.
    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T {
        guard let readers else { return try writer.read(body) }
        return try readers.withConnection { connection in
            try SQLTransaction.run(on: connection, writable: false, body)
        }
    }

    /// Runs `body` as one atomic write on the writer connection, after the writes before it; returns once it is
    /// committed.
    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        try writer.write(body)
    }
}
