import CMicroHTTPD

/// Owns a running libmicrohttpd daemon; stopping it (in `deinit`) waits for its worker threads to finish.
final class MHDDaemon {
    private let handle: OpaquePointer
    /// The port the listening socket is bound to.
    let port: Int

    init(handle: OpaquePointer) {
        self.handle = handle
        self.port = Int(slipway_mhd_bound_port(handle))
    }

    deinit { MHD_stop_daemon(handle) }
}
