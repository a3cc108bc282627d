import Foundation
import SlipwayApp
import SlipwayStore
import Synchronization
import Testing

@Suite("ObservedStore")
struct ObservedStoreTests {
    struct Rollback: Error {}

    @Test("after-commit actions run once after a commit, never after a rollback, and at once outside a write")
    func afterCommit() throws {
        let path = NSTemporaryDirectory() + "observed-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = ObservedStore(try SQLiteStore(path: path))
        let ran = Mutex<[String]>([])
        let before = store.generation
        try store.write { _ in
            store.afterCommit { ran.withLock { $0.append("committed") } }
            #expect(ran.withLock { $0.isEmpty })
        }
        #expect(ran.withLock { $0 } == ["committed"])
        #expect(throws: Rollback.self) {
            try store.write { _ in
                store.afterCommit { ran.withLock { $0.append("rolled back") } }
                throw Rollback()
            }
        }
        store.afterCommit { ran.withLock { $0.append("outside") } }
        #expect(ran.withLock { $0 } == ["committed", "outside"])
        #expect(store.generation == before + 2)
    }
}
