#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Decodes `application/x-www-form-urlencoded` bodies (slash commands, the `payload=` of interactions).
///
/// Follows the WHATWG URL standard's form parsing, which never fails:
/// - pairs are split on `&`, empty pairs are skipped, a pair without `=` has an empty value;
/// - `+` is a space and `%XX` (either hex case) is the byte `XX`;
/// - a `%` not followed by two hex digits is kept literally (`100%` stays `100%`);
/// - the bytes are then read as UTF-8 and invalid sequences become U+FFFD.
///
/// It works on the raw bytes in one pass, without Foundation, because it sits on the 3-second ack path.
public enum FormDecoder {
    /// Decodes a body into its fields. When a name repeats, the first value wins (Slack never repeats names; a
    /// forged later duplicate cannot override an earlier field).
    /// - Parameter body: The raw body bytes.
    /// - Returns: Field names to values.
    public static func decode(_ body: [UInt8]) -> FormFields {
        var fields = FormFields()
        forEachPair(body) { name, value in fields.addIfAbsent(name: name, value: value) }
        return fields
    }

    /// Decodes a body into its pairs, in order, keeping repeats.
    /// - Parameter body: The raw body bytes.
    /// - Returns: Every name/value pair in the order it appears.
    public static func decodePairs(_ body: [UInt8]) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        forEachPair(body) { pairs.append((name: $0, value: $1)) }
        return pairs
    }

    /// Decodes one percent-encoded component (`+` is a space).
    public static func decodeComponent(_ text: String) -> String {
        Array(text.utf8).withUnsafeBufferPointer { decode($0[...]) }
    }

    private static func forEachPair(_ body: [UInt8], _ visit: (String, String) -> Void) {
        forEachRawPair(body) { name, value in
            visit(decode(name), value.map { decode($0) } ?? "")
        }
    }

    /// Splits the body into raw (still encoded) names and values; a pair without `=` has a nil value.
    static func forEachRawPair(
        _ body: [UInt8],
        _ visit: (Slice<UnsafeBufferPointer<UInt8>>, Slice<UnsafeBufferPointer<UInt8>>?) -> Void
    ) {
        body.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            let end = bytes.count
            while start < end {
                let stop = offset(of: UInt8(ascii: "&"), in: base, start..<end) ?? end
                if stop > start {
                    if let equals = offset(of: UInt8(ascii: "="), in: base, start..<stop) {
                        visit(bytes[start..<equals], bytes[(equals + 1)..<stop])
                    } else {
                        visit(bytes[start..<stop], nil)
                    }
                }
                start = stop + 1
            }
        }
    }

    /// The offset of the first `byte` in `range` of `base` (memchr: the body is searched, not walked byte by byte).
    private static func offset(of byte: UInt8, in base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard let found = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    /// Calls `body` with the decoded bytes of a raw component, decoding (into temporary memory) only when needed.
    static func withDecodedBytes<T>(
        _ raw: Slice<UnsafeBufferPointer<UInt8>>, _ body: (UnsafeBufferPointer<UInt8>) -> T
    ) -> T {
        if !needsDecoding(raw) { return body(UnsafeBufferPointer(rebasing: raw)) }
        // Decoding never lengthens a component; small ones are decoded on the stack.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count) { buffer in
            let count = decodeBytes(raw, into: buffer)
            return body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    private static func needsDecoding(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let base = bytes.base.baseAddress else { return false }
        let range = bytes.startIndex..<bytes.endIndex
        return offset(of: UInt8(ascii: "%"), in: base, range) != nil
            || offset(of: UInt8(ascii: "+"), in: base, range) != nil
    }

    /// Decodes one raw component into a string.
    static func decode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        withDecodedBytes(bytes) { String(decoding: $0, as: UTF8.self) }
    }

    /// `+` becomes a space and `%XX` the byte `XX`; a `%` without two hex digits stays as it is.
    /// - Returns: The number of bytes written to `out`, which holds at least `bytes.count`.
    private static func decodeBytes(
        _ bytes: Slice<UnsafeBufferPointer<UInt8>>, into out: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var count = 0
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out[count] = UInt8(ascii: " ")
            } else if byte == UInt8(ascii: "%"), index + 2 < end, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                out[count] = high << 4 | low
                count += 1
                index += 3
                continue
            } else {
                out[count] = byte
            }
            count += 1
            index += 1
        }
        return count
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
