import CCrypto
import Synchronization

/// An HMAC-SHA256 key prepared once and reused for many messages, for the request paths that verify a signature
/// on every request (Slack's `X-Slack-Signature`, CI's `X-Slipway-Signature`).
///
/// Preparing the key (fetching the algorithm and hashing the key pads) costs more than authenticating a small
/// message, so the prepared contexts are kept in a small pool and only restarted per message.
///
/// ```swift
/// let key = HMACKey(Array(secret.utf8))
/// let digest = key.authenticate { mac in
///     mac.update("v0:")
///     mac.update(timestamp)
///     mac.update(body)
/// }
/// ```
public final class HMACKey: Sendable {
    /// The HMAC algorithm, fetched once per process.
    nonisolated(unsafe) private static let algorithm = slipway_hmac_algorithm()

    /// A context keyed and ready to restart; only the thread that took it from the pool uses it.
    // @unchecked: an OpenSSL EVP_MAC_CTX, used by one thread at a time (the pool hands it out exclusively).
    private struct Context: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let key: [UInt8]
    private let pool = Mutex<[Context]>([])
    /// Contexts kept for reuse; more may exist briefly when more threads authenticate at once.
    private let poolLimit = 16

    /// - Parameter key: The secret key bytes.
    public init(_ key: some Collection<UInt8>) {
        self.key = Array(key)
    }

    deinit {
        pool.withLock { contexts in
            for context in contexts { EVP_MAC_CTX_free(context.pointer) }
            contexts.removeAll()
        }
    }

    /// Feeds the parts of one message.
    public struct Message: ~Copyable {
        fileprivate let context: OpaquePointer

        /// Appends raw bytes.
        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            _ = EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), bytes.count)
        }

        /// Appends bytes.
        public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        /// Appends a string's UTF-8 bytes.
        public func update(_ text: String) {
            var text = text
            text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
        }
    }

    /// The 32-byte HMAC-SHA256 of the message that `feed` writes.
    public func authenticate(_ feed: (borrowing Message) -> Void) -> [UInt8] {
        let context = take()
        defer { give(back: context) }
        feed(Message(context: context.pointer))
        var digest = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = digest.withUnsafeMutableBufferPointer { buffer in
            EVP_MAC_final(context.pointer, buffer.baseAddress, &length, buffer.count)
        }
        precondition(ok == 1 && length == 32, "HMAC-SHA256 failed in libcrypto")
        return digest
    }

    /// Whether the lowercase hex of the message's HMAC-SHA256 equals `expectedHex`, compared in constant time and
    /// without allocating (for signatures sent as hex, checked on every request).
    /// - Parameters:
    ///   - expectedHex: The hex digits as received; any length other than 64 does not match.
    ///   - feed: Writes the message.
    public func matchesHex(_ expectedHex: UnsafeRawBufferPointer, _ feed: (borrowing Message) -> Void) -> Bool {
        let context = take()
        defer { give(back: context) }
        feed(Message(context: context.pointer))
        return withUnsafeTemporaryAllocation(byteCount: 96, alignment: 8) { buffer in
            var length = 0
            let ok = EVP_MAC_final(
                context.pointer, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, 32)
            precondition(ok == 1 && length == 32, "HMAC-SHA256 failed in libcrypto")
            let hex = UnsafeMutableRawBufferPointer(rebasing: buffer[32..<96])
            Hex.encode(UnsafeRawBufferPointer(rebasing: buffer[0..<32]), into: hex)
            return expectedHex.count == 64 && CRYPTO_memcmp(hex.baseAddress, expectedHex.baseAddress, 64) == 0
        }
    }

    /// The 32-byte HMAC-SHA256 of `message`.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        authenticate { $0.update(message) }
    }

    private func take() -> Context {
        if let context = pool.withLock({ $0.popLast() }) {
            precondition(slipway_hmac_restart(context.pointer) == 1, "HMAC restart failed in libcrypto")
            return context
        }
        let pointer = key.withUnsafeBufferPointer { buffer in
            slipway_hmac_sha256_new(Self.algorithm, buffer.baseAddress, buffer.count)
        }
        guard let pointer else { preconditionFailure("libcrypto could not create an HMAC-SHA256 context") }
        return Context(pointer: pointer)
    }

    private func give(back context: Context) {
        let kept = pool.withLock { contexts in
            guard contexts.count < poolLimit else { return false }
            contexts.append(context)
            return true
        }
        if !kept { EVP_MAC_CTX_free(context.pointer) }
    }
}
