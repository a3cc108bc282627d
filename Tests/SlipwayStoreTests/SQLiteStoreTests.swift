import DeployCore
import Foundation
import SlipwayTesting
import Synchronization
import Testing

@testable import SlipwayStore

@Suite("SQLite store")
struct SQLiteStoreTests {
    typealias F = StoreFixtures

    @Test("creates the parent directory and uses WAL")
    func createsFileInWALMode() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try SQLiteStore(path: location.sqlitePath)
            try store.write { w in try w.insert(F.deploy(id: "d-wal")) }
            #expect(FileManager.default.fileExists(atPath: location.sqlitePath))
            #expect(FileManager.default.fileExists(atPath: location.sqlitePath + "-wal"))
            let connection = try SQLiteConnection(path: location.sqlitePath, readOnly: true, busyTimeout: .seconds(1))
            let mode = try connection.query("PRAGMA journal_mode", []) { $0.text(at: 0) }
            #expect(mode == ["wal"])
        }
    }

    @Test("every deploy request's image look-ups use their indexes, never a walk through all of a service's images")
    func imageLookUpsUseTheirIndexes() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            _ = try SQLiteStore(path: location.sqlitePath)
            let connection = try SQLiteConnection(path: location.sqlitePath, readOnly: true, busyTimeout: .seconds(1))
            func plan(_ sql: String, _ parameters: [SQLValue]) throws -> [String] {
                try connection.query("EXPLAIN QUERY PLAN " + sql, parameters) { $0.text(at: 3) ?? "" }
            }
            // Every CI webhook runs these; a walk through the service's images made a burst slower with every image
            // stored (20,000 webhooks: 45 persisted per second).
            let recent = try plan(HistorySQL.recentImages, [.text("shop"), .integer(50)])
            #expect(recent.contains { $0.contains("images_built (service=?)") }, "\(recent)")
            #expect(!recent.contains { $0.contains("TEMP B-TREE") }, "\(recent)")
            let byTag = try plan(RecordsSQL.imagesByTag, [.text("shop"), .text("main-1")])
            #expect(byTag.contains { $0.contains("PRIMARY KEY (service=? AND tag=?)") }, "\(byTag)")
            let byTagOrSha = try plan(
                RecordsSQL.imagesByTagOrSha, [.text("shop"), .text("abc1234"), .text("abc1234"), .text("abc1235")])
            #expect(byTagOrSha.contains { $0.contains("PRIMARY KEY (service=? AND tag=?)") }, "\(byTagOrSha)")
            #expect(byTagOrSha.contains { $0.contains("images_sha (service=? AND sha>? AND sha<?)") }, "\(byTagOrSha)")
            let tags = try plan(HistorySQL.recentImageTags, [.text("shop"), .integer(50)])
            #expect(tags.contains { $0.contains("COVERING INDEX images_built (service=?)") }, "\(tags)")
            // Every deploy request reads these: the partial indexes hold only deploys that ran, or are not
            // committed yet, so superseded and cancelled ones are neither walked nor decoded.
            let ran = try plan(HistorySQL.ranDeploys, [.text("shop"), .text("staging"), .integer(100)])
            #expect(ran.contains { $0.contains("deploys_ran (service=? AND environment=?)") }, "\(ran)")
            #expect(!ran.contains { $0.contains("TEMP B-TREE") }, "\(ran)")
            let pending = try plan(
                HistorySQL.pendingDeploys, [.text("shop"), .text("staging"), .text("committing"), .integer(10)])
            #expect(
                pending.contains { $0.contains("deploys_pending (service=? AND environment=? AND state=?)") },
                "\(pending)")
            #expect(!pending.contains { $0.contains("TEMP B-TREE") }, "\(pending)")
        }
    }

    @Test("readers see committed data while a write is in progress")
    func readersDuringWrite() throws {
        try StoreBackend.sqlite.withStore { store throws in
            try store.write { w in try w.insert(F.deploy(id: "d-committed")) }
            try store.write { w throws in
                try w.insert(F.deploy(id: "d-in-progress"))
                // Another thread reads while this write holds the write lock.
                let seen = Mutex<[String]?>(nil)
                let thread = Thread {
                    let ids = try? store.read { r in try r.recentDeploys(service: nil, environment: nil, limit: 10) }
                    seen.withLock { $0 = ids?.map(\.id) }
                }
                thread.start()
                while seen.withLock({ $0 }) == nil { usleep(1_000) }
                #expect(seen.withLock { $0 } == ["d-committed"])
            }
        }
    }

    @Test("the background checkpointer copies the WAL into the database file long before the WAL is 32 MiB")
    func backgroundCheckpointsCopyPages() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try location.open()
            let now = Date()
            // ~20 pages a write: 400 writes pass the 4 MiB checkpoint interval, far below the writer's own 32 MiB.
            for index in 0..<400 {
                try store.write { w in try StoreBenchmark.imageBuilt(w, run: "0000ckp0", index: index, now: now) }
            }
            func databaseBytes() throws -> Int {
                try #require(try FileManager.default.attributesOfItem(atPath: location.sqlitePath)[.size] as? Int)
            }
            // The checkpoint runs on its own thread: wait for it (bounded), then look at the file.
            var waits = 0
            while try databaseBytes() < 64 << 10, waits < 100 {
                Thread.sleep(forTimeInterval: 0.05)
                waits += 1
            }
            #expect(try databaseBytes() >= 64 << 10, "pages stayed in the WAL: the checkpointer copied nothing")
        }
    }

    @Test("checkpoints keep the WAL bounded under steady writes")
    func walStaysBounded() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try location.open()
            let now = Date()
            _ = try StoreBenchmark.measure(threads: 4, count: 3_000) { index in
                try store.write { w in try StoreBenchmark.imageBuilt(w, run: "0000wal0", index: index, now: now) }
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: location.sqlitePath + "-wal")
            let walBytes = try #require(attributes[.size] as? Int)
            // 3,000 writes append ~60 MiB of pages; the WAL starts over past 32 MiB and is truncated to 64 MiB.
            #expect(walBytes <= 64 * 1024 * 1024 + 20_000 * 4_096)
            #expect(try store.read { r in try r.deploys(createdSince: now.addingTimeInterval(-1)).count } == 3_000)
        }
    }

    @Test("a write inside a write body is refused instead of deadlocking")
    func nestedWrite() throws {
        try StoreBackend.sqlite.withStore { store throws in
            #expect(throws: StoreError.self) {
                try store.write { _ in try store.write { w in try w.insert(F.deploy(id: "d-nested")) } }
            }
            #expect(try store.read { r in try r.deploy(id: "d-nested") } == nil)
        }
    }

    @Test(":memory: works, reads included")
    func inMemory() throws {
        let store = try SQLiteStore(path: ":memory:")
        try store.write { w in try w.insert(F.deploy(id: "d-memory")) }
        #expect(try store.read { r in try r.deploy(id: "d-memory") }?.id == "d-memory")
        let inner = try store.write { w -> String? in
            try w.insert(F.deploy(id: "d-memory-2"))
            return try store.read { r in try r.deploy(id: "d-memory-2") }?.id
        }
        #expect(inner == "d-memory-2")
    }

    @Test("a database from a newer Slipway is refused")
    func newerSchema() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            _ = try location.open()
            let connection = try SQLiteConnection(path: location.sqlitePath, readOnly: false, busyTimeout: .seconds(1))
            try connection.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)",
                [.integer(Int64(StoreSchema.latestVersion + 1))])
            let error = #expect(throws: StoreError.self) { _ = try location.open() }
            #expect(error?.description.contains("newer Slipway") == true)
        }
    }

    @Test("an unusable path fails with a clear error")
    func unusablePath() throws {
        let error = #expect(throws: StoreError.self) { _ = try SQLiteStore(path: "/proc/slipway/db.sqlite") }
        #expect(error?.description.contains("/proc/slipway") == true)
    }
}
