import DeployCore
import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

/// Ad-hoc freezes and seen Slack signatures, on every backend.
@Suite struct FreezeStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_168_800)

    static func freeze(_ scope: AdHocFreeze.Scope, from: Double = 0, to: Double, reason: String = "release party")
        -> AdHocFreeze
    {
        AdHocFreeze(scope: scope, endsAt: t0 + to, reason: reason, by: "U0ALICE", createdAt: t0 + from)
    }

    @Test(arguments: StoreBackend.enabled)
    func freezesReadBackWhileInForce(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let prod = Self.freeze(.environment("prod"), to: 7_200)
            let all = Self.freeze(.all, from: 60, to: 600, reason: "incident")
            try store.write { w in
                try w.insert(prod)
                try w.insert(all)
            }
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 + 30) } == [prod])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 + 60) } == [prod, all])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 + 600) } == [prod])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 + 7_200) } == [])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 - 1) } == [])
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func unfreezeLiftsOneEnvironmentOrEverything(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let prod = Self.freeze(.environment("prod"), to: 7_200)
            let ended = Self.freeze(.environment("prod"), to: 10, reason: "over")
            let staging = Self.freeze(.environment("staging"), to: 7_200)
            let all = Self.freeze(.all, from: 1, to: 600, reason: "incident")
            try store.write { w in
                for freeze in [prod, ended, staging, all] { try w.insert(freeze) }
            }
            let now = Self.t0 + 60
            #expect(try store.write { w in try w.removeFreezes(.environment("prod"), now: now) } == [prod])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: now) } == [staging, all])
            #expect(try store.write { w in try w.removeFreezes(.environment("prod"), now: now) } == [])
            #expect(try store.write { w in try w.removeFreezes(.all, now: now) } == [staging, all])
            #expect(try store.read { r in try r.adHocFreezes(activeAt: now) } == [])
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func aSignatureIsNewOnceUntilItExpires(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            let now = Self.t0
            let expires = now + 300
            #expect(try store.write { w in try w.rememberSlackSignature("v0=aa", now: now, expiresAt: expires) })
            #expect(
                !(try store.write { w in try w.rememberSlackSignature("v0=aa", now: now + 299, expiresAt: expires) }))
            #expect(try store.write { w in try w.rememberSlackSignature("v0=bb", now: now, expiresAt: expires) })
            // Expired: taken over as new.
            #expect(
                try store.write { w in try w.rememberSlackSignature("v0=aa", now: expires, expiresAt: expires + 300) })
            // A transaction that fails forgets what it remembered.
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try store.write { w in
                    _ = try w.rememberSlackSignature("v0=cc", now: now, expiresAt: expires)
                    throw Abort()
                }
            }
            #expect(try store.write { w in try w.rememberSlackSignature("v0=cc", now: now, expiresAt: expires) })
        }
    }

    @Test(arguments: StoreBackend.enabled)
    func endedFreezesAndExpiredSignaturesArePruned(_ backend: StoreBackend) throws {
        try backend.withStore { store throws in
            try store.write { w in
                try w.insert(Self.freeze(.environment("prod"), to: 100))
                try w.insert(Self.freeze(.all, to: 1_000))
                _ = try w.rememberSlackSignature("v0=aa", now: Self.t0, expiresAt: Self.t0 + 300)
                _ = try w.rememberSlackSignature("v0=bb", now: Self.t0 + 200, expiresAt: Self.t0 + 500)
            }
            let pruned = try store.write { w in
                try w.prune(now: Self.t0 + 400, outboxFinishedBefore: Self.t0, limit: 100)
            }
            #expect(pruned == PrunedRows(adHocFreezes: 1, slackSignatures: 1))
            #expect(try store.read { r in try r.adHocFreezes(activeAt: Self.t0 + 400) }.count == 1)
            #expect(
                !(try store.write { w in
                    try w.rememberSlackSignature("v0=bb", now: Self.t0 + 400, expiresAt: Self.t0 + 700)
                }))
        }
    }
}
