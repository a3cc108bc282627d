import DeployCore
import Foundation
import Testing

@testable import SlipwayStore

@Suite struct ScratchTiming {
    @Test func breakdown() throws {
        try StoreBackend.sqlite.withStore { store throws in
            func rate(_ name: String, _ n: Int = 2000, _ body: (Int) throws -> Void) throws {
                let start = ContinuousClock.now
                for i in 0..<n { try body(i) }
                let d = ContinuousClock.now - start
                let s = Double(d.components.attoseconds) / 1e18 + Double(d.components.seconds)
                print("\(name): \(Int(Double(n) / s))/s  \(Int(s / Double(n) * 1e6)) us")
            }
            let now = Date()
            if ProcessInfo.processInfo.environment["ONLY_BENCH"] == nil { try rate("empty write") { _ in try store.write { _ in } }
            try rate("remember") { i in _ = try store.write { w in try w.rememberIdempotent(key: "k\(i)", deployId: "d", now: now, expiresAt: now + 100) } }
            try rate("record image") { i in try store.write { w in try w.record(StoreFixtures.image(sha: "abc\(i)", tag: "t\(i)")) } }
            try rate("insert deploy") { i in try store.write { w in try w.insert(StoreFixtures.deploy(id: "x\(i)")) } }
            try rate("values only") { i in _ = StoreRows.deployValues(StoreFixtures.deploy(id: "x\(i)")) }
            try rate("append audit") { i in try store.write { w in try w.append(AuditEvent(deployId: "x\(i)", service: "a", environment: "b", actor: "c", action: "d", detail: "e", at: now)) } }
            try rate("enqueue") { i in _ = try store.write { w in try w.enqueue(StoreFixtures.message("m\(i)")) } }
            try rate("empty read") { _ in try store.read { _ in } }
            try rate("read deploy") { i in _ = try store.read { r in try r.deploy(id: "x\(i)") } }
            try rate("recent 10") { i in _ = try store.read { r in try r.recentDeploys(service: "api", environment: nil, limit: 10) } }
            }
            try rate("bench tx", 5000) { i in try store.write { w in try StoreBenchmark.imageBuilt(w, run: "abcdabcd", index: i, now: now) } }
        }
    }
}
