import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

/// Prints throughput for each backend; asserts only that the benchmark runs (timings vary with the machine).
/// `SLIPWAY_STORE_BENCH_COUNT` scales the runs (default 1,000 writes).
@Suite("Store benchmark")
struct StoreBenchmarkTests {
    @Test("image-built writes and /status reads", arguments: StoreBackend.enabled)
    func benchmark(_ backend: StoreBackend) throws {
        let count = ProcessInfo.processInfo.environment["SLIPWAY_STORE_BENCH_COUNT"].flatMap(Int.init) ?? 1_000
        try backend.withStore { store throws in
            let serial = try StoreBenchmark.imageBuiltWritesPerSecond(store: store, count: count)
            let parallel = try StoreBenchmark.imageBuiltWritesPerSecond(store: store, count: count, threads: 4)
            let reads = try StoreBenchmark.statusReadsPerSecond(store: store, threads: 8, count: count * 10)
            print(
                "store benchmark [\(backend)]: image-built writes \(Int(serial))/s (1 thread), "
                    + "\(Int(parallel))/s (4 threads); /status reads \(Int(reads))/s (8 threads)")
            #expect(serial > 0 && parallel > 0 && reads > 0)
            let deploys = try store.read { r in try r.deploys(createdSince: Date(timeIntervalSince1970: 0)) }
            #expect(deploys.count == 2 * count + 200)
        }
    }
}
