import Dispatch
import Foundation
import Synchronization

/// A Unix signal the service runner shuts down on.
public struct UnixSignal: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public let description: String

    /// SIGTERM: what Kubernetes and `timeout` send.
    public static let terminate = UnixSignal(rawValue: SIGTERM, description: "SIGTERM")
    /// SIGINT: Ctrl-C.
    public static let interrupt = UnixSignal(rawValue: SIGINT, description: "SIGINT")
}

/// Waits for Unix signals without running code in signal context (after swift-service-lifecycle's
/// `UnixSignalsSequence`): the signals are ignored by the process and observed through Dispatch sources.
public enum UnixSignals {
    /// Returns the first of `signals` to arrive, or nil when the task is cancelled first. The signals stay ignored
    /// afterwards, so a second SIGTERM during shutdown does not cut it short.
    public static func first(of signals: [UnixSignal]) async -> UnixSignal? {
        let wait = SignalWait()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UnixSignal?, Never>) in
                wait.start(signals, continuation)
            }
        } onCancel: {
            wait.finish(nil)
        }
    }
}

/// One `UnixSignals.first(of:)` call: its Dispatch sources and the continuation to resume once.
private final class SignalWait: Sendable {
    private struct State {
        var continuation: CheckedContinuation<UnixSignal?, Never>?
        var sources: [any DispatchSourceSignal] = []
        var finished = false
    }

    private let state = Mutex(State())
    private static let queue = DispatchQueue(label: "slipway.signals")

    func start(_ signals: [UnixSignal], _ continuation: CheckedContinuation<UnixSignal?, Never>) {
        let resumeNow = state.withLock { state -> Bool in
            if state.finished || Task.isCancelled { return true }
            state.continuation = continuation
            for unixSignal in signals {
                signal(unixSignal.rawValue, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: unixSignal.rawValue, queue: Self.queue)
                source.setEventHandler { [weak self] in self?.finish(unixSignal) }
                source.resume()
                state.sources.append(source)
            }
            return false
        }
        if resumeNow { continuation.resume(returning: nil) }
    }

    func finish(_ received: UnixSignal?) {
        let (continuation, sources) = state.withLock { state in
            state.finished = true
            defer {
                state.continuation = nil
                state.sources = []
            }
            return (state.continuation, state.sources)
        }
        for source in sources { source.cancel() }
        continuation?.resume(returning: received)
    }
}
