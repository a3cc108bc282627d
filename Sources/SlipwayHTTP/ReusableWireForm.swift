import CMicroHTTPD
import Synchronization

/// The libmicrohttpd response built once for a response that is sent many times unchanged (a cached `/status`
/// reply). libmicrohttpd counts references to a response, so connections on every worker thread may queue the same
/// one; building it (copying the body, adding headers) is then paid once instead of per request.
final class ReusableWireForm: Sendable {
    /// The `MHD_Response` pointer's bits, or 0 until the first send builds it.
    private let handle = Atomic<UInt>(0)

    deinit {
        let bits = handle.load(ordering: .acquiring)
        if bits != 0, let response = OpaquePointer(bitPattern: bits) { MHD_destroy_response(response) }
    }

    /// The built response, building it with `make` the first time. When two threads race, one result is kept
    /// and the other destroyed.
    func response(orMake make: () -> OpaquePointer?) -> OpaquePointer? {
        let current = handle.load(ordering: .acquiring)
        if current != 0 { return OpaquePointer(bitPattern: current) }
        guard let made = make() else { return nil }
        let (exchanged, original) = handle.compareExchange(
            expected: 0, desired: UInt(bitPattern: Int(bitPattern: made)), ordering: .acquiringAndReleasing)
        if exchanged { return made }
        MHD_destroy_response(made)
        return OpaquePointer(bitPattern: original)
    }
}
