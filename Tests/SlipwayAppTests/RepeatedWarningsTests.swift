import Foundation
import SlipwayApp
import Testing

@Suite("Repeated warnings")
struct RepeatedWarningsTests {
    let key = RepeatedWarnings.Key(what: "cluster poll", subject: "d-1")
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the first failure is logged, repeats once per interval with how many were left out, recovery once")
    func throttles() {
        let warnings = RepeatedWarnings(interval: 60)
        #expect(
            warnings.failure(key, "connection refused", now: start) == "cluster poll failed: connection refused")
        for second in stride(from: 5, to: 60, by: 5) {
            #expect(warnings.failure(key, "connection refused", now: start + Double(second)) == nil)
        }
        #expect(
            warnings.failure(key, "timeout", now: start + 60)
                == "cluster poll still failing after 1 min (11 repeats not logged): timeout")
        #expect(warnings.failure(key, "timeout", now: start + 65) == nil)
        #expect(warnings.success(key, now: start + 200) == "cluster poll works again after failing for 3 min 20 s")
        #expect(warnings.success(key, now: start + 205) == nil, "a success is logged only after a failure")
        #expect(warnings.failure(key, "refused", now: start + 210) == "cluster poll failed: refused")
    }

    @Test("keys are separate, and failures of subjects that ended are forgotten")
    func keysAndRetain() {
        let warnings = RepeatedWarnings(interval: 60)
        let other = RepeatedWarnings.Key(what: "reconcile request", subject: "d-1")
        let ended = RepeatedWarnings.Key(what: "cluster poll", subject: "d-2")
        #expect(warnings.failure(key, "x", now: start) != nil)
        #expect(warnings.failure(other, "x", now: start) != nil)
        #expect(warnings.failure(ended, "x", now: start) != nil)
        warnings.retain(subjects: ["d-1"])
        #expect(warnings.success(ended, now: start + 1) == nil)
        #expect(warnings.failure(key, "x", now: start + 1) == nil)
        #expect(
            warnings.success(other, now: start + 7200) == "reconcile request works again after failing for 2 h")
    }
}
