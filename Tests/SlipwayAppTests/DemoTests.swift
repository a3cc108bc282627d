import Foundation
import SlipwayTesting
import Synchronization
import Testing

/// `make demo`: typed lines drive the real server against the fakes, and what Slipway sends to Slack and PagerDuty
/// is shown as it arrives.
@Suite("The demo", .harnessScope)
struct DemoTests {
    /// Everything the demo has shown, from its background feed.
    final class Shown: Sendable {
        private let texts = Mutex<[String]>([])
        func append(_ text: String) { texts.withLock { $0.append(text) } }
        var all: String { texts.withLock { $0.joined(separator: "\n") } }

        /// Waits until `fragment` has been shown `times` times.
        func waitFor(_ fragment: String, times: Int = 1, timeout: Double = 20) async -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if all.components(separatedBy: fragment).count > times { return true }
                try? await Task.sleep(nanoseconds: 50_000_000)
            }
            return all.components(separatedBy: fragment).count > times
        }
    }

    @Test(
        "a deploy turns green; a failed production deploy turns red with a runbook and pages; Rollback needs an approver"
    )
    func deployFailAndRollBack() async throws {
        let shown = Shown()
        let demo = try SlipwayDemo(port: 0) { shown.append($0) }
        let reply = await demo.perform("/deploy shop staging main-1a2b3c4")
        #expect(reply.contains("🚀 Deploying `shop/staging`"), "\(reply)")
        #expect(reply.contains("requested by @U0ALICE"), "control sequences shown as Slack shows them: \(reply)")
        #expect(await shown.waitFor("✅ Deploy of *shop* → *staging* succeeded: `main-0000000` → `main-1a2b3c4`"))

        #expect(await demo.perform("fail shop prod oom").hasPrefix("The next rollout of shop/prod will fail (oom)"))
        _ = await demo.perform("/deploy shop prod main-1a2b3c4")
        #expect(await shown.waitFor("[Approve] [Deny]"))
        let refused = await demo.perform("approve")
        #expect(refused.contains("someone else must approve"), "\(refused)")
        let approved = await demo.perform("as dana approve")
        #expect(approved.contains("Approved by @U0DANA"), "\(approved)")
        #expect(await shown.waitFor("❌ Deploy of *shop* → *prod* failed"))
        #expect(shown.all.contains("*Container ran out of memory*"))
        #expect(shown.all.contains("Runbook: memory-limits.md (https://runbooks.example/slipway/memory-limits.md)"))
        #expect(shown.all.contains("[Roll back to main-0000000]"))
        #expect(await shown.waitFor("📟 PagerDuty trigger"))

        let rollback = await demo.perform("rollback")
        #expect(rollback.contains("needs an approver other than you"), "\(rollback)")
        #expect(await shown.waitFor("[Approve] [Deny]", times: 2))
        #expect(await demo.perform("as dana approve").contains("Approved by @U0DANA"))
        #expect(await shown.waitFor("✅ Rollback of *shop* → *prod* succeeded"))
        await demo.stop()
    }

    @Test("CI's webhook auto-deploys staging and the green message tags the commit author; bad lines are explained")
    func imageBuiltAndBadLines() async throws {
        let shown = Shown()
        let demo = try SlipwayDemo(port: 0) { shown.append($0) }
        let built = await demo.perform("built shop main-3c4d5e6")
        #expect(built.contains("HTTP 202"), "\(built)")
        #expect(await shown.waitFor("*Author* @U0CAROL"))
        #expect(await demo.perform("fail shop staging lava").hasPrefix("Unknown failure `lava`"))
        #expect(await demo.perform("as zed /status").hasPrefix("Unknown person `zed`"))
        #expect(await demo.perform("deploy shop").hasPrefix("Not a demo command"))
        #expect(await demo.perform("approve").hasPrefix("No message so far has an unclicked `approve` button"))
        await demo.stop()
    }
}
