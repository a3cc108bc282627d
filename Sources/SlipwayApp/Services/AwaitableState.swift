import Synchronization

/// A value tasks can wait on until it satisfies a condition (`await state.wait { $0.stopped }`), changed with
/// `update` from any task or thread. Waits end early when their task is cancelled.
final class AwaitableState<Value: Sendable>: Sendable {
    private struct Waiter {
        var condition: @Sendable (Value) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        var lastId: UInt64 = 0
    }

    private let state: Mutex<State>

    init(_ value: Value) { state = Mutex(State(value: value)) }

    var value: Value { state.withLock { $0.value } }

    /// Changes the value and ends the waits whose condition now holds.
    func update(_ change: (inout Value) -> Void) {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            change(&state.value)
            let value = state.value
            let ids = state.waiters.filter { $0.value.condition(value) }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Returns when `condition` holds: true, or false when the task was cancelled first.
    func wait(until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.lastId &+= 1
            return state.lastId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let answer = state.withLock { state -> Bool? in
                    if condition(state.value) { return true }
                    // Cancelled before this point: the flag is already set, so `onCancel` found nothing to end.
                    if Task.isCancelled { return false }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Like `wait(until:)`, but gives up at `deadline`. - Returns: whether `condition` held in time.
    func wait(until condition: @escaping @Sendable (Value) -> Bool, deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await self.wait(until: condition) ? true : nil }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return false
            }
            var held = false
            if let first = await group.next() { held = first ?? false }
            group.cancelAll()
            return held || condition(value)
        }
    }
}
