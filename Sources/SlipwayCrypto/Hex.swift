/// Lowercase hex encoding from a lookup table (`String(format:)` is slow on Linux).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Array(bytes).withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { buffer in
                encode(raw, into: UnsafeMutableRawBufferPointer(buffer))
                return raw.count * 2
            }
        }
    }

    /// Writes the lowercase hex of `bytes` into `out`, which holds at least twice as many bytes.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= bytes.count * 2, "hex output buffer too small")
        for (i, byte) in bytes.enumerated() {
            out[2 * i] = digits[Int(byte >> 4)]
            out[2 * i + 1] = digits[Int(byte & 0x0f)]
        }
    }

    /// Decodes hex (either case); nil when the text is not valid hex.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(utf8: Array(text.utf8))
    }

    /// Decodes hex digits given as ASCII bytes (either case); nil when they are not valid hex.
    /// Inlinable so request paths get it specialised for their buffer type.
    @inlinable
    public static func decode(utf8: some RandomAccessCollection<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let next = utf8.index(after: i)
            guard let hi = value(utf8[i]), let lo = value(utf8[next]) else { return nil }
            out.append(hi << 4 | lo)
            i = utf8.index(after: next)
        }
        return out
    }

    @usableFromInline
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
