import Foundation

/// A level-triggered wake-up signal between request handlers and a background service: `signal()` from any thread,
/// `wait(timeout:)` in the service's loop. Signals coalesce; none is lost between two waits.
public final class Wakeup: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    /// Wakes the waiting service (or the next one to wait).
    public func signal() {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume()
            return
        }
        pending = true
        lock.unlock()
    }

    /// Returns when signalled or after `timeout` seconds, whichever comes first.
    public func wait(timeout: Double) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                if pending || Task.isCancelled {
                    pending = false
                    lock.unlock()
                    continuation.resume()
                    return
                }
                if let old = waiter { old.resume() }
                waiter = continuation
                currentWait = id
                lock.unlock()
                Task { [weak self] in
                    try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))
                    self?.fire(id)
                }
            }
        } onCancel: {
            self.fire(nil)
        }
    }

    private var currentWait: UUID?

    private func fire(_ id: UUID?) {
        lock.lock()
        guard let waiter, id == nil || id == currentWait else {
            lock.unlock()
            return
        }
        self.waiter = nil
        lock.unlock()
        waiter.resume()
    }
}
