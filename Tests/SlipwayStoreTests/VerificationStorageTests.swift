import DeployCore
import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

/// The verification record is stored with its deploy (migration 3), so `isVerified` answers from any deploy read.
@Suite("Verification results in the store")
struct VerificationStorageTests {
    typealias F = StoreFixtures

    @Test("a deploy's verification record reads back with its values and verdict", arguments: StoreBackend.enabled)
    func roundTrip(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            var deploy = F.deploy(id: "d-verified", state: .verifying)
            try store.write { w in try w.insert(deploy) }
            deploy = try #require(try store.read { r in try r.deploy(id: "d-verified") })
            #expect(deploy.verification == nil && !deploy.isVerified)
            var record = VerificationRecord(
                checks: [
                    .init(
                        name: "error ratio", limit: "≤ 1%", values: ["0.2%", "0.3%"], latest: 0.003,
                        consecutiveFailures: 0)
                ], samples: 2, queries: 2, lastSampleAt: Date(timeIntervalSince1970: 1_800_000_000))
            record.verdict = .passed
            record.decidedAt = Date(timeIntervalSince1970: 1_800_000_030)
            deploy.verification = record
            deploy.state = .succeeded
            let updated = try #require(try store.write { w in try w.update(deploy) })
            let read = try #require(try store.read { r in try r.deploy(id: "d-verified") })
            #expect(read == updated)
            #expect(read.verification == record)
            #expect(read.isVerified)
            let succeeded = try store.read { r in
                try r.deploys(service: "api", environment: "staging", state: .succeeded, limit: 5)
            }
            #expect(succeeded.first?.isVerified == true)
        }
    }
}
