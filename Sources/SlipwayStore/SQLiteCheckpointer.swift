import CSQLite
import Foundation

/// Copies WAL pages back into the database file on a thread of its own, so a commit never waits for the fsyncs
/// and page copies of a checkpoint (SQLite's automatic checkpoint runs inside the committing call).
///
/// The writer connection reports the WAL size after each commit (`walCommitted(frames:)`); every `interval`
/// new frames wake this thread for a PASSIVE checkpoint, which never blocks writers or readers. Under steady
/// writes the WAL is never completely copied at the moment a writer could start it over (frames keep arriving
/// while this thread copies), so it would only grow: once it is past `restartFrames`, the writer itself runs the
/// PASSIVE checkpoint right after its commit instead (the pages are mostly copied already). With nothing written
/// in between, the next write then starts the WAL over from its beginning, where its pages are still cached.
// @unchecked: owns a SQLite connection used only by its own thread; `condition` guards the request flags.
final class SQLiteCheckpointer: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let interval: Int32
    private let restartFrames: Int32
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var framesAtLastRequest: Int32 = 0
    private var requested = false
    private var stopping = false
    private var running = false

    /// - Parameters:
    ///   - connection: a connection of its own to the database file.
    ///   - interval: new WAL frames between checkpoints.
    ///   - restartFrames: WAL size above which the writer checkpoints after each commit until the WAL starts over.
    init(connection: SQLiteConnection, interval: Int32, restartFrames: Int32) {
        self.connection = connection
        self.interval = interval
        self.restartFrames = restartFrames
    }

    /// Starts the checkpoint thread.
    func start() {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "slipway.sqlite.checkpoint"
        thread.start()
    }

    /// Called by the writer after each commit with the number of frames now in the WAL. Cheap: it only signals.
    /// - Returns: true when the WAL is so long that the writer should checkpoint it itself, now.
    func walCommitted(frames: Int32) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if frames < framesAtLastRequest { framesAtLastRequest = 0 }  // the WAL started over
        if frames >= restartFrames { return true }
        if frames - framesAtLastRequest >= interval {
            framesAtLastRequest = frames
            requested = true
            condition.signal()
        }
        return false
    }

    /// Stops the thread after the checkpoint in progress, if any; returns when it has ended.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if stopping {
                running = false
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            // A checkpoint that cannot finish (busy) is simply tried again at the next request; nothing is lost.
            connection.checkpoint()
        }
    }
}
