import SlipwayHTTP
import Synchronization
import Testing

@testable import SlipwaySlack

@Suite struct SlackReplayGuardTests {
    final class Clock: Sendable {
        let seconds = Atomic<Int64>(1_700_000_000)
        func advance(_ by: Int64) { seconds.add(by, ordering: .relaxed) }
    }

    @Test("a signature is accepted once within the window, and forgotten after it")
    func onceWithinWindow() {
        let clock = Clock()
        let replays = SlackReplayGuard(windowSeconds: 300, clock: { clock.seconds.load(ordering: .relaxed) })
        let now = clock.seconds.load(ordering: .relaxed)
        #expect(replays.firstSighting(signature: "v0=aa", timestamp: now))
        #expect(!replays.firstSighting(signature: "v0=aa", timestamp: now))
        #expect(replays.firstSighting(signature: "v0=bb", timestamp: now))
        clock.advance(299)
        #expect(!replays.firstSighting(signature: "v0=aa", timestamp: now))
        // Past the window the verifier rejects the timestamp anyway; the memory is freed.
        clock.advance(2)
        #expect(replays.firstSighting(signature: "v0=cc", timestamp: now + 301))
        #expect(replays.count == 1)
    }

    @Test("a timestamp from the future is remembered until it goes stale")
    func futureTimestamp() {
        let clock = Clock()
        let replays = SlackReplayGuard(windowSeconds: 300, clock: { clock.seconds.load(ordering: .relaxed) })
        let now = clock.seconds.load(ordering: .relaxed)
        #expect(replays.firstSighting(signature: "v0=ff", timestamp: now + 200))
        clock.advance(450)
        #expect(!replays.firstSighting(signature: "v0=ff", timestamp: now + 200))
    }

    @Test("under steady traffic the memory stops growing after the first window, at most 4/3 of what it remembers")
    func steadyTraffic() {
        let clock = Clock()
        let replays = SlackReplayGuard(windowSeconds: 300, clock: { clock.seconds.load(ordering: .relaxed) })
        var longest = 0
        // 20 signed requests a second for three windows, as in the soak.
        for second in 0..<900 {
            let now = clock.seconds.load(ordering: .relaxed)
            for n in 0..<20 { _ = replays.firstSighting(signature: "v0=\(second)-\(n)", timestamp: now) }
            if second > 300 { longest = max(longest, replays.queueLength) }
            clock.advance(1)
        }
        // Each is remembered for the 301 seconds its timestamp passes verification.
        #expect(replays.count == 6_020)
        #expect(longest <= 6_020 * 4 / 3 + 20, "the queue held \(longest) entries for 6,020 remembered")
    }

    @Test("memory is bounded: beyond the capacity the oldest signatures are forgotten first")
    func bounded() {
        let replays = SlackReplayGuard(windowSeconds: 300, capacity: 100, clock: { 1_700_000_000 })
        for index in 0..<250 { #expect(replays.firstSighting(signature: "v0=\(index)", timestamp: 1_700_000_000)) }
        #expect(replays.count == 100)
        #expect(!replays.firstSighting(signature: "v0=249", timestamp: 1_700_000_000))
    }

    @Test("signed requests are told apart by their real signatures, read from the headers; unsigned ones pass")
    func fromHeaders() {
        let now: Int64 = 1_700_000_000
        let verifier = SlackRequestVerifier(signingSecret: "8f742231b10e8888abcd99yyyzzz85a5", clock: { now })
        let replays = verifier.makeReplayGuard()
        let bodies = (0..<500).map { Array("token=x&command=%2Fdeploy&text=status+\($0)".utf8) }
        for body in bodies {
            #expect(replays.firstSighting(headers: verifier.signedHeaders(body: body, timestamp: now)))
        }
        #expect(replays.count == 500)
        // Each replayed, in any order, with its header names in another case: all caught.
        for body in bodies.reversed() {
            let signed = verifier.signedHeaders(body: body, timestamp: now)
            let headers: HTTPHeaders = [
                "x-slack-signature": signed[SlackRequestVerifier.signatureHeader]!,
                "x-slack-request-timestamp": signed[SlackRequestVerifier.timestampHeader]!,
            ]
            #expect(!replays.firstSighting(headers: headers))
        }
        // The same body signed at another second is another request.
        #expect(replays.firstSighting(headers: verifier.signedHeaders(body: bodies[0], timestamp: now - 1)))
        #expect(replays.firstSighting(headers: [:]))
        #expect(replays.firstSighting(headers: [:]))
    }
}
