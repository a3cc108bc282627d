import DeployCore
import Foundation
import Synchronization

/// Until when each service asked Slipway to hold off (HTTP 429 `Retry-After`).
final class HoldOff: Sendable {
    private let until = Mutex<[OutboxChannel: Date]>([:])

    func hold(_ service: OutboxChannel, until date: Date) {
        until.withLock { $0[service] = max($0[service] ?? .distantPast, date) }
    }

    func isHolding(_ service: OutboxChannel, now: Date) -> Bool {
        until.withLock { until in
            guard let date = until[service] else { return false }
            if date > now { return true }
            until[service] = nil
            return false
        }
    }
}
