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
        var scratch: [UInt8] = []
        return Array(text.utf8).withUnsafeBufferPointer { decode($0[...], scratch: &scratch) }
    }

    private static func forEachPair(_ body: [UInt8], _ visit: (String, String) -> Void) {
        var scratch: [UInt8] = []
        forEachRawPair(body) { name, value in
            let decodedName = decode(name, scratch: &scratch)
            visit(decodedName, value.map { decode($0, scratch: &scratch) } ?? "")
        }
    }

    /// Splits the body into raw (still encoded) names and values; a pair without `=` has a nil value.
    static func forEachRawPair(
        _ body: [UInt8],
        _ visit: (Slice<UnsafeBufferPointer<UInt8>>, Slice<UnsafeBufferPointer<UInt8>>?) -> Void
    ) {
        body.withUnsafeBufferPointer { bytes in
            var start = 0
            let end = bytes.count
            while start < end {
                var stop = start
                var equals = -1
                while stop < end, bytes[stop] != UInt8(ascii: "&") {
                    if equals < 0, bytes[stop] == UInt8(ascii: "=") { equals = stop }
                    stop += 1
                }
                if stop > start {
                    if equals < 0 {
                        visit(bytes[start..<stop], nil)
                    } else {
                        visit(bytes[start..<equals], bytes[(equals + 1)..<stop])
                    }
                }
                start = stop + 1
            }
        }
    }

    /// Calls `body` with the decoded bytes of a raw component, decoding into `scratch` only when needed.
    static func withDecodedBytes<T>(
        _ raw: Slice<UnsafeBufferPointer<UInt8>>, scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> T
    ) -> T {
        if !needsDecoding(raw) { return body(UnsafeBufferPointer(rebasing: raw)) }
        decodeBytes(raw, into: &scratch)
        return scratch.withUnsafeBufferPointer(body)
    }

    private static func needsDecoding(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        for byte in bytes where byte == UInt8(ascii: "%") || byte == UInt8(ascii: "+") { return true }
        return false
    }

    /// Decodes one raw component; `scratch` is only touched when the component has `+` or `%`.
    static func decode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, scratch: inout [UInt8]) -> String {
        if !needsDecoding(bytes) { return String(decoding: bytes, as: UTF8.self) }
        decodeBytes(bytes, into: &scratch)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// `+` becomes a space and `%XX` the byte `XX`; a `%` without two hex digits stays as it is.
    private static func decodeBytes(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, into scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                scratch.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < end, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                scratch.append(high << 4 | low)
                index += 3
                continue
            } else {
                scratch.append(byte)
            }
            index += 1
        }
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
