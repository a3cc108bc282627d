import CWebSockets
import Synchronization

/// One WebSocket, client or server side. What arrives comes out of ``events`` in order; ``send(_:)`` and
/// ``close()`` may be called from any thread (they are carried out on the connection's service thread).
public final class WebSocketConnection: Sendable {
    /// What happens on a connection.
    public enum Event: Sendable, Equatable {
        /// The handshake finished; messages sent before this were queued and go out now.
        case opened
        /// A whole text (or binary) message.
        case message([UInt8])
        /// The connection ended (the last event). `reason` says why when it failed to connect.
        case closed(reason: String?)
    }

    /// Everything that happens on the connection, ending with `.closed`.
    public let events: AsyncStream<Event>
    /// The request path (and query) of the handshake.
    public let path: String
    let loop: WebSocketLoop
    private let continuation: AsyncStream<Event>.Continuation
    private let state = Mutex(State())

    private struct State {
        var outgoing: [[UInt8]] = []
        var closeRequested = false
        var dropRequested = false
        var open = false
        var finished = false
        /// The message being reassembled from fragments.
        var incoming: [UInt8] = []
        /// The `struct lws *` while it exists (service thread only reads it as a pointer).
        var wsi: UInt = 0
    }

    init(loop: WebSocketLoop, path: String) {
        self.loop = loop
        self.path = path
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// Whether the handshake finished and the connection has not closed.
    public var isOpen: Bool { state.withLock { $0.open && !$0.finished } }

    /// Sends a text message (queued until the connection opens); ignored after the connection closed.
    public func send(_ text: [UInt8]) {
        let queued = state.withLock { state -> Bool in
            guard !state.finished, !state.closeRequested else { return false }
            state.outgoing.append(text)
            return true
        }
        if queued { loop.enqueue(.write(self)) }
    }

    /// Sends a text message.
    public func send(_ text: String) { send(Array(text.utf8)) }

    /// Sends what is queued, then closes with status 1000.
    public func close() {
        let changed = state.withLock { state -> Bool in
            guard !state.finished, !state.closeRequested else { return false }
            state.closeRequested = true
            return true
        }
        if changed { loop.enqueue(.write(self)) }
    }

    /// Ends the connection at once, dropping what is queued (a lost link, for tests).
    public func drop() {
        state.withLock { $0.dropRequested = true }
        loop.enqueue(.write(self))
    }

    // MARK: Service thread

    var wsi: OpaquePointer? { OpaquePointer(bitPattern: state.withLock { $0.wsi }) }

    func bind(_ wsi: OpaquePointer) {
        state.withLock { $0.wsi = UInt(bitPattern: wsi) }
    }

    func unbind() {
        state.withLock { $0.wsi = 0 }
    }

    /// The handshake finished: asks for a write if anything waits.
    func opened(_ wsi: OpaquePointer) {
        let pending = state.withLock { state -> Bool in
            state.open = true
            state.wsi = UInt(bitPattern: wsi)
            return !state.outgoing.isEmpty || state.closeRequested || state.dropRequested
        }
        continuation.yield(.opened)
        if pending { lws_callback_on_writable(wsi) }
    }

    /// Asks libwebsockets for a write callback when there is something to write and the connection is open.
    func requestWrite() {
        let wsi = state.withLock { state -> UInt in state.open && !state.finished ? state.wsi : 0 }
        if let pointer = OpaquePointer(bitPattern: wsi) { lws_callback_on_writable(pointer) }
    }

    /// A fragment arrived; a whole message is yielded when its last fragment is in.
    func received(_ bytes: UnsafeRawBufferPointer, final: Bool) {
        let whole = state.withLock { state -> [UInt8]? in
            state.incoming.append(contentsOf: bytes)
            guard final else { return nil }
            defer { state.incoming = [] }
            return state.incoming
        }
        if let whole { continuation.yield(.message(whole)) }
    }

    /// Writes the next queued message; -1 tells libwebsockets to close.
    func writeNext(_ wsi: OpaquePointer) -> Int32 {
        let (next, more, close, drop) = state.withLock { state -> ([UInt8]?, Bool, Bool, Bool) in
            if state.dropRequested { return (nil, false, false, true) }
            let next = state.outgoing.isEmpty ? nil : state.outgoing.removeFirst()
            return (next, !state.outgoing.isEmpty, state.closeRequested, false)
        }
        if drop { return -1 }
        if let next {
            let headroom = slipway_lws_pre()
            var buffer = [UInt8](repeating: 0, count: headroom + next.count)
            buffer.replaceSubrange(headroom..., with: next)
            let written = buffer.withUnsafeMutableBufferPointer {
                slipway_lws_write_text(wsi, $0.baseAddress, next.count)
            }
            if written < next.count { return -1 }
            if more || close { lws_callback_on_writable(wsi) }
            return 0
        }
        if close {
            slipway_lws_close_normally(wsi)
            return -1
        }
        return 0
    }

    /// The connection ended (or never opened); only the first call counts.
    func finish(reason: String?) {
        let first = state.withLock { state -> Bool in
            defer { state.finished = true }
            return !state.finished
        }
        guard first else { return }
        continuation.yield(.closed(reason: reason))
        continuation.finish()
    }
}
