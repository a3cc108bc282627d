import Foundation

/// In-process benchmarks (`slipway bench`).
enum Bench {
    static func run(requests: Int, deploys: Int) async throws {
        print("bench: not wired yet")
    }
}
