/// Small JSON error bodies (`{"error":"..."}`) built without Foundation, for the server's own answers and the router.
enum ErrorBody {
    /// A `{"error": message}` response with the given status; `message` is escaped, so it may hold user input.
    static func response(_ status: Int, _ message: String) -> HTTPResponse {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.utf8.count + 14)
        bytes.append(contentsOf: #"{"error":""#.utf8)
        appendEscaped(message, to: &bytes)
        bytes.append(contentsOf: #""}"#.utf8)
        return .json(status, bytes)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `text` as the inside of a JSON string literal.
    static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
    }
}
