import DeployCore
import SlipwaySlack
import Synchronization

/// What this process last showed in each deploy's message, and posts whose reference is not stored yet.
///
/// States only move forward, so content this process sent is never the wrong thing to leave in place, even when
/// another replica edited the message in between. Only a 64-bit hash of each body is kept: a full Block Kit body per
/// deploy made the memory grow with every deploy until the cap (megabytes over a day's deploys).
final class DeployMessageMemory: Sendable {
    private struct Shown {
        var ref: SlackMessageRef
        var content: Int
    }
    private struct State {
        var shown: [String: Shown] = [:]
        var unstored: [String: SlackMessageRef] = [:]
    }
    private let state = Mutex(State())
    private let capacity = 2000

    /// Whether the message at `ref` already shows exactly `body`.
    func alreadyShows(_ body: SlackMessage, deployId: String, ref: SlackMessageRef) -> Bool {
        let content = body.hashValue
        return state.withLock { $0.shown[deployId].map { $0.ref == ref && $0.content == content } ?? false }
    }

    /// Records that the message at `ref` now shows `body`.
    func remember(_ body: SlackMessage, deployId: String, ref: SlackMessageRef) {
        let content = body.hashValue
        state.withLock { state in
            if state.shown.count >= capacity { state.shown.removeAll(keepingCapacity: true) }
            state.shown[deployId] = Shown(ref: ref, content: content)
        }
    }

    /// Keeps the reference of a message just posted until `stored(deployId:)`.
    func posted(deployId: String, ref: SlackMessageRef) { state.withLock { $0.unstored[deployId] = ref } }

    /// A posted message whose reference the store does not have yet.
    func reference(deployId: String) -> SlackMessageRef? { state.withLock { $0.unstored[deployId] } }

    /// The store now has the reference.
    func stored(deployId: String) { state.withLock { _ = $0.unstored.removeValue(forKey: deployId) } }
}
