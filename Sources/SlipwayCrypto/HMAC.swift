import CCrypto

/// One-shot HMAC-SHA256 (a key used once; request paths keep an `HMACKey`), constant-time comparison and random
/// identifiers, backed by OpenSSL libcrypto.
public enum HMAC {
    /// Computes HMAC-SHA256 of `message` keyed with `key`.
    /// - Parameters:
    ///   - key: The secret key bytes.
    ///   - message: The bytes to authenticate.
    /// - Returns: The 32-byte digest.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        HMACKey(key).authenticate(Array(message))
    }

    /// HMAC-SHA256 of `message` as lowercase hex.
    public static func sha256Hex(key: String, message: some Collection<UInt8>) -> String {
        Hex.encode(sha256(key: Array(key.utf8), message: message))
    }
}

/// Timing-safe equality for secrets and signatures.
public enum ConstantTime {
    /// Compares two byte sequences in time that depends only on their lengths.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        equals(Array(a), Array(b))
    }

    /// Compares two byte arrays in time that depends only on their lengths (without copying them).
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { ap in
            b.withUnsafeBytes { bp in CRYPTO_memcmp(ap.baseAddress, bp.baseAddress, a.count) == 0 }
        }
    }

    /// Compares two strings by their UTF-8 bytes in constant time.
    public static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}

/// Cryptographically random values.
public enum SecureRandom {
    /// `count` random bytes from OpenSSL's CSPRNG.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let rc = RAND_bytes(&out, Int32(count))
        precondition(rc == 1, "RAND_bytes failed")
        return out
    }

    /// A random identifier: `prefix` followed by `byteCount` random bytes in lowercase hex.
    public static func identifier(prefix: String = "", byteCount: Int = 8) -> String {
        prefix + Hex.encode(bytes(byteCount))
    }
}
