import DeployCore
import Synchronization

/// The independent ways out of the outbox: messages in different lanes never wait for each other, so Slack's
/// channel pacing never delays a page, and a hanging `response_url` delays only its own reply.
enum OutboxLane: Hashable, Sendable {
    /// Posts and edits in one channel, paced (about one per second).
    case channel(String)
    /// Failure DMs and ephemeral notes.
    case directMessages
    /// PagerDuty events.
    case pagerDuty
    /// One `response_url` reply (each goes on its own, up to a limit at once).
    case response(key: String)

    init(_ message: OutboxMessage, deployChannel: String) {
        switch message.target {
        case .deployMessage, .threadReply: self = .channel(deployChannel)
        case .channelMessage:
            if case .channelMessage(let channel, _)? = try? OutboxDelivery(message) {
                self = .channel(channel)
            } else {
                self = .directMessages
            }
        case .directMessage, .ephemeralMessage, .unrecognized: self = .directMessages
        case .pageTrigger, .pageResolve: self = .pagerDuty
        case .response: self = .response(key: message.key)
        }
    }
}

/// Which lanes have a delivery in flight: one at a time per lane, keeping each lane in order. It also remembers
/// which messages finished recently, so a list of due messages read while one was in flight does not send it again.
final class OutboxLanes: Sendable {
    private struct State {
        var busy: Set<OutboxLane> = []
        var responses = 0
        var finished: [String: ContinuousClock.Instant] = [:]
    }
    private let state = Mutex(State())

    /// Takes `lane` for one delivery of message `key`, read as due at `readAt`.
    /// - Returns: false when the lane is busy, enough replies are in flight, or `key` finished since `readAt`.
    func take(_ lane: OutboxLane, key: String, readAt: ContinuousClock.Instant, maxResponses: Int) -> Bool {
        state.withLock { state in
            guard !state.busy.contains(lane) else { return false }
            if let finished = state.finished[key], finished > readAt { return false }
            if case .response = lane {
                guard state.responses < maxResponses else { return false }
                state.responses += 1
            }
            state.busy.insert(lane)
            return true
        }
    }

    /// Frees `lane` after the delivery of message `key`.
    func release(_ lane: OutboxLane, key: String?) {
        let now = ContinuousClock.now
        state.withLock { state in
            if state.finished.count >= 512 {
                state.finished = state.finished.filter { now - $0.value < .seconds(60) }
            }
            if let key { state.finished[key] = now }
            guard state.busy.remove(lane) != nil else { return }
            if case .response = lane { state.responses -= 1 }
        }
    }

}
