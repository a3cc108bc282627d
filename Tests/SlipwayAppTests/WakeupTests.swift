import Foundation
import Testing

@testable import SlipwayApp

@Suite("Wakeup")
struct WakeupTests {
    @Test("a signal before the wait is kept; a signal during the wait ends it; signals coalesce")
    func signals() async throws {
        let wake = Wakeup()
        wake.signal()
        wake.signal()
        var started = Date()
        await wake.wait(timeout: 3600)
        #expect(Date().timeIntervalSince(started) < 1)
        let waiting = Task { await wake.wait(timeout: 3600) }
        while !wake.isWaiting { try await Task.sleep(nanoseconds: 1_000_000) }
        started = Date()
        wake.signal()
        await waiting.value
        #expect(Date().timeIntervalSince(started) < 1)
        started = Date()
        await wake.wait(timeout: 0.05)
        #expect(Date().timeIntervalSince(started) >= 0.05, "the two early signals woke one wait, not two")
    }

    @Test("a cancelled wait returns promptly and leaves nothing behind (no timer task holds the wakeup)")
    func cancelledWait() async throws {
        weak var released: Wakeup?
        do {
            let wake = Wakeup()
            released = wake
            let waiting = Task { await wake.wait(timeout: 3600) }
            while !wake.isWaiting { try await Task.sleep(nanoseconds: 1_000_000) }
            let started = Date()
            waiting.cancel()
            await waiting.value
            #expect(Date().timeIntervalSince(started) < 1)
            #expect(!wake.isWaiting)
            // Timed-out waits end their timers too.
            for _ in 0..<20 { await wake.wait(timeout: 0.001) }
        }
        #expect(released == nil, "every wait's timer ended with its wait")
    }
}
