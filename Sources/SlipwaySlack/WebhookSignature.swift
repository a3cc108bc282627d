import SlipwayCrypto

/// `sha256=<hex>` HMAC signatures over a raw body, as sent by CI (`X-Slipway-Signature`) and by Flux's
/// notification-controller `generic-hmac` provider (`X-Signature`).
public enum WebhookSignature {
    private static let prefix = Array("sha256=".utf8)

    /// Checks a `sha256=<hex>` header against the raw body.
    /// - Parameters:
    ///   - header: The header value, or nil when the header is missing.
    ///   - body: The raw request body, byte for byte as received.
    ///   - secret: The shared secret (UTF-8 HMAC key).
    /// - Returns: true only when the header is well-formed and matches; hex digits may be in either case and the
    ///   comparison runs in constant time.
    public static func verify(header: String?, body: [UInt8], secret: String) -> Bool {
        verify(header: header, body: body, key: HMACKey(secret.utf8))
    }

    /// Checks a `sha256=<hex>` header against the raw body with a key prepared once (for request paths).
    /// - Parameters:
    ///   - header: The header value, or nil when the header is missing.
    ///   - body: The raw request body, byte for byte as received.
    ///   - key: The shared secret as a prepared HMAC key.
    /// - Returns: true only when the header is well-formed and matches.
    public static func verify(header: String?, body: [UInt8], key: HMACKey) -> Bool {
        guard let header else { return false }
        let utf8 = Array(header.utf8)
        guard utf8.count == prefix.count + 64 else { return false }
        for (index, byte) in prefix.enumerated() where asciiLowercase(utf8[index]) != byte { return false }
        guard let given = Hex.decode(utf8: utf8[prefix.count...]) else { return false }
        let expected = key.authenticate(body)
        return ConstantTime.equals(given, expected)
    }

    /// Computes the header value for a body.
    /// - Parameters:
    ///   - body: The raw request body.
    ///   - secret: The shared secret.
    /// - Returns: `sha256=` followed by 64 lowercase hex digits.
    public static func sign(body: [UInt8], secret: String) -> String {
        "sha256=" + HMAC.sha256Hex(key: secret, message: body)
    }

    private static func asciiLowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
