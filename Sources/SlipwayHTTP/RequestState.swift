/// What the server knows about one request while libmicrohttpd delivers it in pieces.
/// Created by the URI log callback, kept in MHD's per-request `req_cls`, released when the request completes.
/// Only the worker thread that owns the connection touches it.
final class RequestState {
    enum Phase {
        /// Headers have arrived; the access handler has not seen the request yet.
        case new
        /// Admitted; body bytes (if any) are arriving.
        case receiving
        /// A response has been queued.
        case answered
    }

    var phase = Phase.new
    /// The raw query string without `?`, exactly as the client sent it.
    var query = ""
    /// Whether this request counts towards `HTTPServer.inFlightCount`.
    var admitted = false
    var body: [UInt8] = []
    /// Body bytes seen so far, including any discarded after the limit was passed.
    var receivedBytes = 0
    var tooLarge = false
}
