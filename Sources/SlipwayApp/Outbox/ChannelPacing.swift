import Foundation
import Synchronization

/// Spaces posts and edits in one channel at least `pace` seconds apart (Slack allows about one per second).
final class ChannelPacing: Sendable {
    let pace: Double
    private let last = Mutex<[String: Date]>([:])

    init(pace: Double) {
        self.pace = pace
    }

    /// Returns when the next post to `channel` may go out, and reserves that slot.
    func wait(channel: String) async {
        guard pace > 0 else { return }
        let now = Date()
        let start = last.withLock { last in
            let start = max(now, (last[channel] ?? .distantPast).addingTimeInterval(pace))
            last[channel] = start
            return start
        }
        let delay = start.timeIntervalSince(now)
        if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
    }
}
