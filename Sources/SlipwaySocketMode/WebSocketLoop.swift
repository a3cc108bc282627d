import CWebSockets
import Foundation
import Synchronization

/// Owns one libwebsockets context and the dedicated thread that services it. libwebsockets is not thread-safe: every
/// call on a connection happens on that thread. Other threads queue a ``Command`` and wake the thread with
/// `lws_cancel_service`, the one call libwebsockets allows from anywhere.
///
/// `@unchecked Sendable`: it owns the C context; `context` is written once on the service thread before `init`
/// returns and is used only under `state`'s lock from other threads.
final class WebSocketLoop: @unchecked Sendable {
    enum Command {
        case connect(WebSocketConnection, WebSocketURL)
        /// Write what is queued, or close (the connection's flags say which).
        case write(WebSocketConnection)
    }

    private struct State {
        var commands: [Command] = []
        /// Connections libwebsockets holds a pointer to (its opaque user data), until their wsi is destroyed.
        var live: [ObjectIdentifier: WebSocketConnection] = [:]
        var stopRequested = false
        /// The context is destroyed (or being destroyed): nothing may wake it any more.
        var stopped = false
    }

    private let state = Mutex(State())
    private var context: OpaquePointer?
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let interface: UnsafeMutablePointer<CChar>?
    private let caFile: UnsafeMutablePointer<CChar>?
    private let certificateFile: UnsafeMutablePointer<CChar>?
    private let privateKeyFile: UnsafeMutablePointer<CChar>?

    /// Files for TLS: the CA bundle clients trust instead of the system's, a server's certificate and key (PEM).
    struct TLSFiles {
        var caFile: String? = nil
        var certificateFile: String? = nil
        var privateKeyFile: String? = nil
    }
    private let finished = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    /// Called on the service thread for each connection a server accepts.
    private let onAccept: (@Sendable (WebSocketConnection) -> Void)?
    /// The port a server listens on (after binding), or nil for a client-only loop.
    private(set) var listenPort: Int?

    /// Starts the thread and the context.
    /// - Parameters:
    ///   - listen: host and port to accept connections on (port 0: any free one); nil for client connections only.
    ///   - onAccept: what to do with each accepted connection (servers).
    /// - Throws: `WebSocketError` when libwebsockets cannot create the context.
    init(
        listen: (host: String, port: Int)?, files: TLSFiles = TLSFiles(),
        onAccept: (@Sendable (WebSocketConnection) -> Void)?
    ) throws(WebSocketError) {
        self.onAccept = onAccept
        protocolName = strdup("slipway")!
        interface = listen.map { strdup($0.host)! }
        caFile = files.caFile.map { strdup($0)! }
        certificateFile = files.certificateFile.map { strdup($0)! }
        privateKeyFile = files.privateKeyFile.map { strdup($0)! }
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = { wsi, reason, user, input, length in
            webSocketCallback(wsi, reason, user, input, length)
        }
        let port = Int32(listen?.port ?? -1)  // -1: CONTEXT_PORT_NO_LISTEN
        let thread = Thread { [self] in
            serve(port: port)
        }
        thread.name = listen == nil ? "lws-client" : "lws-server"
        thread.start()
        started.wait()
        guard context != nil else {
            finished.wait()
            throw .contextFailed(listen.map { "cannot listen on \($0.host):\($0.port)" } ?? "no client context")
        }
    }

    deinit {
        release()
    }

    private func release() {
        free(protocolName)
        for pointer in [interface, caFile, certificateFile, privateKeyFile] { free(pointer) }
        protocols.deinitialize(count: 2)
        protocols.deallocate()
    }

    /// The service thread: create, serve until asked to stop, destroy.
    private func serve(port: Int32) {
        lws_set_log_level(0, nil)
        let user = Unmanaged.passUnretained(self).toOpaque()
        let created = slipway_lws_create_context(
            protocols, port, interface, user, 1, caFile, certificateFile, privateKeyFile)
        context = created
        if let created, port >= 0 {
            let bound = slipway_lws_listen_port(created)
            listenPort = bound > 0 ? Int(bound) : nil
        }
        started.signal()
        guard let created else {
            finished.signal()
            return
        }
        while !state.withLock({ $0.stopRequested }) {
            if lws_service(created, 0) < 0 { break }
        }
        state.withLock { $0.stopped = true }
        lws_context_destroy(created)
        // Connections whose wsi was never destroyed (context torn down mid-connect) still end.
        let left = state.withLock { state -> [WebSocketConnection] in
            defer { state.live = [:] }
            return Array(state.live.values)
        }
        for connection in left { connection.finish(reason: "the WebSocket service stopped") }
        finished.signal()
    }

    /// Queues a command for the service thread and wakes it.
    func enqueue(_ command: Command) {
        state.withLock { state in
            guard !state.stopped else { return }
            state.commands.append(command)
            if let context { lws_cancel_service(context) }
        }
    }

    /// Stops the service thread (closing every connection) and waits for it; later calls do nothing.
    func shutdown() {
        let first = state.withLock { state -> Bool in
            guard !state.stopRequested else { return false }
            state.stopRequested = true
            if let context, !state.stopped { lws_cancel_service(context) }
            return true
        }
        if first, context != nil {
            finished.wait()
            finished.signal()  // later waiters (none expected) pass too
        }
    }

    /// Starts a client connection to `url`.
    func connect(_ url: WebSocketURL) -> WebSocketConnection {
        let connection = WebSocketConnection(loop: self, path: url.path)
        enqueue(.connect(connection, url))
        if state.withLock({ $0.stopped }) { connection.finish(reason: "the WebSocket client is shut down") }
        return connection
    }

    // MARK: Service thread

    private func runCommands() {
        let commands = state.withLock { state -> [Command] in
            defer { state.commands = [] }
            return state.commands
        }
        for command in commands {
            switch command {
            case .connect(let connection, let url):
                start(connection, url)
            case .write(let connection):
                connection.requestWrite()
            }
        }
    }

    private func start(_ connection: WebSocketConnection, _ url: WebSocketURL) {
        guard let context else { return }
        state.withLock { $0.live[ObjectIdentifier(connection)] = connection }
        let opaque = Unmanaged.passUnretained(connection).toOpaque()
        let wsi = url.host.withCString { host in
            url.path.withCString { path in
                url.hostHeader.withCString { hostHeader in
                    protocolName.withMemoryRebound(to: CChar.self, capacity: 1) { name in
                        slipway_lws_connect(
                            context, host, Int32(url.port), url.usesTLS ? 1 : 0, path, hostHeader, name, opaque)
                    }
                }
            }
        }
        if let wsi {
            connection.bind(wsi)
        } else {
            connection.finish(reason: "could not start a connection to \(url.host):\(url.port)")
            forget(connection)
        }
    }

    private func forget(_ connection: WebSocketConnection) {
        _ = state.withLock { $0.live.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    private func connection(_ wsi: OpaquePointer) -> WebSocketConnection? {
        guard let opaque = lws_get_opaque_user_data(wsi) else { return nil }
        return Unmanaged<WebSocketConnection>.fromOpaque(opaque).takeUnretainedValue()
    }

    func callback(
        _ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
        _ input: UnsafeMutableRawPointer?, _ length: Int
    ) -> Int32 {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            runCommands()
        case LWS_CALLBACK_ESTABLISHED:
            var buffer = [CChar](repeating: 0, count: 2048)
            let count = slipway_lws_request_path(wsi, &buffer, Int32(buffer.count))
            let path =
                count > 0 ? String(decoding: buffer[..<Int(count)].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/"
            let connection = WebSocketConnection(loop: self, path: path)
            state.withLock { $0.live[ObjectIdentifier(connection)] = connection }
            lws_set_opaque_user_data(wsi, Unmanaged.passUnretained(connection).toOpaque())
            connection.opened(wsi)
            onAccept?(connection)
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            connection(wsi)?.opened(wsi)
        case LWS_CALLBACK_RECEIVE, LWS_CALLBACK_CLIENT_RECEIVE:
            let final = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
            connection(wsi)?.received(UnsafeRawBufferPointer(start: input, count: length), final: final)
        case LWS_CALLBACK_SERVER_WRITEABLE, LWS_CALLBACK_CLIENT_WRITEABLE:
            return connection(wsi)?.writeNext(wsi) ?? 0
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let detail = input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown error"
            connection(wsi)?.finish(reason: "connection failed: \(detail)")
        case LWS_CALLBACK_CLOSED, LWS_CALLBACK_CLIENT_CLOSED:
            connection(wsi)?.finish(reason: nil)
        case LWS_CALLBACK_WSI_DESTROY:
            if let connection = connection(wsi) {
                lws_set_opaque_user_data(wsi, nil)
                connection.unbind()
                connection.finish(reason: nil)
                forget(connection)
            }
        default:
            break
        }
        return 0
    }
}

/// libwebsockets' callback for every connection of Slipway's contexts: finds the loop from the context's user data.
/// A plain function in this library target, never isolated to an actor: libwebsockets calls it on its own thread.
nonisolated func webSocketCallback(
    _ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
    _ input: UnsafeMutableRawPointer?, _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let loopPointer = lws_context_user(context) else { return 0 }
    let loop = Unmanaged<WebSocketLoop>.fromOpaque(loopPointer).takeUnretainedValue()
    return loop.callback(wsi, reason, user, input, length)
}
