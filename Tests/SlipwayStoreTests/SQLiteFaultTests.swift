import DeployCore
import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

#if canImport(Glibc)
    import Glibc
#endif

/// A store whose files cannot be written must fail with a `StoreError`, never end the process (SIGBUS from a
/// memory-mapped `-shm`, SIGXFSZ from a file size limit), and work again once the files can be written.
@Suite("SQLite store on a failing disk", .serialized)
struct SQLiteFaultTests {
    typealias F = StoreFixtures

    @Test("no -shm file is mapped: truncating or freezing one never crashes, writes go on")
    func sharedMemoryFileCannotBeWritten() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try SQLiteStore(path: location.sqlitePath, processAccess: .exclusive)
            try store.write { w in try w.insert(F.deploy(id: "d-before")) }
            let shm = location.sqlitePath + "-shm"
            // Before the fix SQLite mapped this file; cutting it under the mapping raised SIGBUS on the next write.
            if FileManager.default.fileExists(atPath: shm) { truncate(shm, 0) }
            #expect(!FileManager.default.fileExists(atPath: shm))
            for index in 0..<300 {
                try store.write { w in try w.insert(F.deploy(id: "d-\(index)")) }
            }
            let count = try store.read { r in try r.recentDeploys(service: nil, environment: nil, limit: 1000).count }
            #expect(count == 301)
        }
    }

    @Test("a full disk (file size limit) is a StoreError; writes work again once there is room")
    func fullDisk() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try SQLiteStore(path: location.sqlitePath, processAccess: .exclusive)
            try store.write { w in try w.insert(F.deploy(id: "d-first")) }
            var original = rlimit()
            getrlimit(Int32(RLIMIT_FSIZE.rawValue), &original)
            var failure: StoreError?
            do {
                // No file may grow past 16 KiB: the WAL soon cannot, as on a full disk.
                var tiny = original
                tiny.rlim_cur = 16 << 10
                setrlimit(Int32(RLIMIT_FSIZE.rawValue), &tiny)
                defer { setrlimit(Int32(RLIMIT_FSIZE.rawValue), &original) }
                for index in 0..<200 where failure == nil {
                    do {
                        try store.write { w in
                            try w.insert(F.deploy(id: "d-full-\(index)-" + String(repeating: "x", count: 2000)))
                        }
                    } catch let error as StoreError {
                        failure = error
                    }
                }
            }
            let error = try #require(failure, "no write failed under a 16 KiB file size limit")
            #expect(!error.description.isEmpty)
            // Room again: the store works without being reopened.
            try store.write { w in try w.insert(F.deploy(id: "d-after")) }
            #expect(try store.read { r in try r.deploy(id: "d-after") } != nil)
            #expect(try store.read { r in try r.deploy(id: "d-first") } != nil)
        }
    }

    @Test("an unwritable store directory: writes still work, nothing crashes")
    func unwritableDirectory() throws {
        try StoreBackend.sqlite.withLocation { location throws in
            let store = try SQLiteStore(path: location.sqlitePath, processAccess: .exclusive)
            try store.write { w in try w.insert(F.deploy(id: "d-open")) }
            let directory = URL(fileURLWithPath: location.sqlitePath).deletingLastPathComponent().path
            // `chattr +i` stops even root from creating or removing files in it; skipped where unsupported.
            guard (try? SlipwayTestingShell.run("chattr", ["+i", directory])) == true else { return }
            defer { _ = try? SlipwayTestingShell.run("chattr", ["-i", directory]) }
            for index in 0..<300 {
                do {
                    try store.write { w in try w.insert(F.deploy(id: "d-frozen-\(index)")) }
                } catch let error as StoreError {
                    #expect(!error.description.isEmpty)
                }
            }
            #expect(try store.read { r in try r.deploy(id: "d-open") } != nil)
        }
    }
}

/// Runs a command; true when it exited 0.
enum SlipwayTestingShell {
    static func run(_ command: String, _ arguments: [String]) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
