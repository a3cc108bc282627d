import Synchronization

/// A level-triggered wake-up signal between request handlers and a background service: `signal()` from any thread,
/// `wait(timeout:)` in the service's loop. Signals coalesce; none is lost between two waits.
///
/// One service waits on a wakeup at a time (a second waiter ends the first one's wait). A wait is structured: its
/// timeout is a child task that ends with the wait, so nothing outlives it.
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var lastId: UInt64 = 0
        /// A wait whose timeout or cancellation came before it started waiting.
        var ended: UInt64?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiting service (or the next one to wait).
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns when signalled, after `timeout` seconds, or when the task is cancelled, whichever comes first.
    public func wait(timeout: Double) async {
        let id = state.withLock { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.lastId &+= 1
            return state.lastId
        }
        guard let id, !Task.isCancelled else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled when the wait ends first; only a timeout that ran out ends the wait.
                guard (try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))) != nil else { return }
                self.end(id)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                        if state.pending || Task.isCancelled || state.lastId != id || state.ended == id {
                            state.pending = false
                            return [continuation]
                        }
                        let previous = state.waiter?.continuation
                        state.waiter = (id, continuation)
                        return previous.map { [$0] } ?? []
                    }
                    for waiting in resumeNow { waiting.resume() }
                }
            } onCancel: {
                self.end(id)
            }
            group.cancelAll()
        }
    }

    /// Ends wait `id` if it is still waiting (its timeout passed or its task was cancelled).
    private func end(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else {
                if state.lastId == id { state.ended = id }
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Whether a service is waiting now (for tests: a finished wait leaves none behind).
    var isWaiting: Bool { state.withLock { $0.waiter != nil } }
}
