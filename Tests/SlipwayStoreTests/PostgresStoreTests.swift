import DeployCore
import Foundation
import SlipwayTesting
import Synchronization
import Testing

@testable import SlipwayStore

@Suite("PostgreSQL store", .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
struct PostgresStoreTests {
    typealias F = StoreFixtures

    @Test("a connection the server dropped is re-established")
    func reconnects() throws {
        try StoreBackend.postgres.withLocation { location throws in
            let store = try PostgresStore(url: location.postgresURL, maxConnections: 1)
            try store.write { w in try w.insert(F.deploy(id: "d-before")) }
            let pid = try store.withConnection { $0.backendPID }
            let killer = try PostgresStore(url: location.postgresURL, maxConnections: 1)
            let terminated = try killer.withConnection { connection in
                try connection.query("SELECT pg_terminate_backend($1)", [.integer(Int64(pid))]) { $0.text(at: 0) }
            }
            #expect(terminated == ["t"])
            #expect(try store.read { r in try r.deploy(id: "d-before") }?.id == "d-before")
            #expect(try store.withConnection { $0.backendPID } != pid)
            try store.write { w in try w.insert(F.deploy(id: "d-after")) }
        }
    }

    @Test("connection errors name host and database, never the password")
    func errorsHideThePassword() throws {
        let server = try TestPostgres.serverURL()
        var components = try #require(URLComponents(string: server))
        components.user = "slipway_nobody"
        components.password = "s3cret-Pa55word"
        components.path = "/slipway_missing"
        let error = #expect(throws: StoreError.self) { _ = try PostgresStore(url: components.string ?? "") }
        let text = error?.description ?? ""
        #expect(!text.contains("s3cret-Pa55word"))
        #expect(text.contains("slipway_missing"))
        #expect(text.contains(components.host ?? "?"))

        let malformed = #expect(throws: StoreError.self) {
            _ = try PostgresStore(url: "postgresql://u:s3cret-Pa55word@host:notaport%zz/db?bogus=1")
        }
        #expect(malformed?.description.contains("s3cret") == false)
    }

    @Test("replicas starting together migrate once")
    func concurrentMigration() throws {
        try StoreBackend.postgres.withLocation { location throws in
            let url = location.postgresURL
            let opened = Mutex(0)
            _ = try StoreBenchmark.measure(threads: 4, count: 4) { _ in
                _ = try PostgresStore(url: url, maxConnections: 1)
                opened.withLock { $0 += 1 }
            }
            #expect(opened.withLock { $0 } == 4)
            let store = try PostgresStore(url: url, maxConnections: 1)
            let versions = try store.withConnection { connection in
                try connection.query("SELECT version FROM schema_migrations ORDER BY version", []) {
                    $0.int(at: 0) ?? -1
                }
            }
            #expect(versions == StoreSchema.migrations.map(\.version))
        }
    }

    @Test("dueOutbox in a write skips messages another replica is claiming")
    func claimsSkipLockedRows() throws {
        try StoreBackend.postgres.withStore { store throws in
            try store.write { w throws in
                for index in 1...4 { try w.enqueue(F.message("m\(index)", createdAt: F.at(Double(index)))) }
            }
            let firstClaimed = DispatchSemaphore(value: 0)
            let secondDone = DispatchSemaphore(value: 0)
            let claims = Mutex<[[String]]>([])
            let replicaA = Thread {
                _ = try? store.write { w throws in
                    let due = try w.dueOutbox(now: F.at(10), limit: 2).map(\.key)
                    claims.withLock { $0.append(due) }
                    firstClaimed.signal()
                    // Hold the row locks until the other replica has looked.
                    _ = secondDone.wait(timeout: .now() + 10)
                }
            }
            replicaA.start()
            firstClaimed.wait()
            let second = try store.write { w in try w.dueOutbox(now: F.at(10), limit: 10).map(\.key) }
            secondDone.signal()
            #expect(claims.withLock { $0 } == [["m1", "m2"]])
            #expect(second == ["m3", "m4"])
            // Outside a write nothing is locked or skipped.
            #expect(try store.read { r in try r.dueOutbox(now: F.at(10), limit: 10) }.count == 4)
        }
    }
}
