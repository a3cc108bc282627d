import SlipwayHTTP
import Synchronization

/// Remembers the signatures of the Slack requests already accepted, so a captured request replayed within the
/// signature's validity window has no effect.
///
/// Slack signs every request with its timestamp, and ``SlackRequestVerifier`` accepts a timestamp up to
/// `window` seconds away from now, so a signature is worth remembering for exactly that long: a replay after that
/// fails verification anyway. Slack itself never sends one signed request twice to these endpoints: it retries
/// Events API deliveries (with a new `X-Slack-Retry-Num` and signature), not slash commands or interactions, so a
/// repeated signature is always a replay, never a legitimate retry.
///
/// The memory is per process, on the acknowledgement path (a dictionary look-up under a lock, no store round
/// trip: Slack waits at most 3 s for the answer): the fast first filter. A replay sent to another replica (or after
/// a restart) passes it; the app then records the signature of every request that changes something in the store,
/// in the transaction of its effect, which catches such a replay there.
public final class SlackReplayGuard: Sendable {
    /// How long a signature is remembered, in seconds (the verifier's tolerance).
    public let windowSeconds: Int64
    /// Most signatures remembered at once; beyond it the oldest are forgotten first (a flood of valid signed
    /// requests only the signing-secret holder can make, so this only bounds memory).
    public let capacity: Int
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    /// A remembered signature: 128 bits of it, inline (no string per request). Slack's signature is
    /// `v0=` and 64 hex digits of an HMAC-SHA256, whose first 32 digits are as unguessable as the whole; the memory
    /// per remembered request is then a fixed ~60 bytes instead of a heap string (at 20 signed requests a second the
    /// five-minute window held 6,000 strings, about 1 MB).
    struct Key: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private struct Entry {
        var key: Key
        var expiry: Int64
    }

    private struct State: ~Copyable {
        /// Signature → Unix second after which it is forgotten.
        var expiries: [Key: Int64] = [:]
        /// Signatures in the order they were first seen, for expiry from the front.
        var order: [Entry] = []
        var head = 0
    }

    /// - Parameters:
    ///   - windowSeconds: How long to remember a signature; use the verifier's `toleranceSeconds`.
    ///   - capacity: Most signatures remembered at once.
    ///   - clock: Current time in Unix seconds (the verifier's clock, so tests move both together).
    public init(
        windowSeconds: Int64 = 300, capacity: Int = 200_000,
        clock: @escaping @Sendable () -> Int64 = SlackRequestVerifier.systemClock
    ) {
        self.windowSeconds = windowSeconds
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// Records the signature of a verified request.
    /// - Parameters:
    ///   - signature: The `X-Slack-Signature` value of a request that passed verification.
    ///   - timestamp: Its `X-Slack-Request-Timestamp` in Unix seconds.
    /// - Returns: true the first time a signature is seen within its window, false for a replay.
    public func firstSighting(signature: String, timestamp: Int64) -> Bool {
        var signature = signature
        return signature.withUTF8 { firstSighting(signature: $0, timestamp: timestamp) }
    }

    /// Records the signature of a verified request, given as the header value's bytes (no string is built).
    public func firstSighting(signature: UnsafeBufferPointer<UInt8>, timestamp: Int64) -> Bool {
        let key = Self.key(signature)
        let now = clock()
        // The verifier accepts this signature until its timestamp is `window` seconds in the past.
        let expiry = max(timestamp, now) + windowSeconds
        return state.withLock { state in
            Self.forgetExpired(&state, now: now, capacity: capacity)
            if let known = state.expiries[key], known >= now { return false }
            state.expiries[key] = expiry
            state.order.append(Entry(key: key, expiry: expiry))
            return true
        }
    }

    /// Records the signature of a verified request from its headers, reading their bytes in place (this runs on the
    /// acknowledgement path of every signed request).
    /// - Returns: false for a replay; true otherwise, also when the request carries no signature or timestamp.
    public func firstSighting(headers: HTTPHeaders) -> Bool {
        let timestamp = headers.withValue(SlackRequestVerifier.timestampHeader) {
            SlackRequestVerifier.parseTimestamp($0)
        }
        guard let timestamp = timestamp ?? nil else { return true }
        return headers.withValue(SlackRequestVerifier.signatureHeader) {
            firstSighting(signature: $0, timestamp: timestamp)
        } ?? true
    }

    /// The guard's clock: now, in Unix seconds.
    public var nowSeconds: Int64 { clock() }

    /// Signatures remembered now (for tests and metrics).
    public var count: Int { state.withLock { $0.expiries.count } }

    /// Entries in the expiry queue, forgotten ones at its front included: what its memory holds.
    var queueLength: Int { state.withLock { $0.order.count } }

    /// The key of a signature: for Slack's shape (`v0=` and 64 hex digits) the first 128 bits of the digest;
    /// for anything else (never expected after verification) two 64-bit SipHashes of all its bytes, keyed by this
    /// process's random seed, which is enough for a memory that lives in this process only.
    static func key(_ signature: UnsafeBufferPointer<UInt8>) -> Key {
        if signature.count == 67, signature[0] == UInt8(ascii: "v"), signature[1] == UInt8(ascii: "0"),
            signature[2] == UInt8(ascii: "="),
            let high = hexWord(signature, from: 3), let low = hexWord(signature, from: 19)
        {
            return Key(high: high, low: low)
        }
        var first = Hasher()
        first.combine(0 as UInt8)
        first.combine(bytes: UnsafeRawBufferPointer(signature))
        var second = Hasher()
        second.combine(1 as UInt8)
        second.combine(bytes: UnsafeRawBufferPointer(signature))
        return Key(high: UInt64(bitPattern: Int64(first.finalize())), low: UInt64(bitPattern: Int64(second.finalize())))
    }

    /// 16 hex digits at `from` as a number, or nil if one is not a hex digit.
    private static func hexWord(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> UInt64? {
        var word: UInt64 = 0
        for index in from..<(from + 16) {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            word = word << 4 | UInt64(digit)
        }
        return word
    }

    private static func forgetExpired(_ state: inout State, now: Int64, capacity: Int) {
        while state.head < state.order.count {
            let oldest = state.order[state.head]
            let expired = oldest.expiry < now
            guard expired || state.expiries.count >= capacity else { break }
            // A newer sighting of the same key (after this entry had expired) keeps its own, later expiry.
            if state.expiries[oldest.key] == oldest.expiry { state.expiries[oldest.key] = nil }
            state.head += 1
        }
        // Compact the queue once its dead front is a quarter of it: the queue then peaks at 4/3 of the live part,
        // reached in the first window. (Compacting at half made it peak at twice the live part, after two windows:
        // the soak's resident memory rose for ten minutes instead of five.) Each compaction moves the live entries
        // once: three moves per entry forgotten.
        if state.head > 1024 && state.head * 4 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
