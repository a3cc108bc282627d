extension HTTPResponse {
    /// A `{"error": message}` JSON response (and `"field"` naming the offending input, when given).
    public static func jsonError(_ status: Int, _ message: String, field: String? = nil) -> HTTPResponse {
        var bytes: [UInt8] = Array(#"{"error":""#.utf8)
        ErrorBody.appendEscaped(message, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        if let field {
            bytes.append(contentsOf: #","field":""#.utf8)
            ErrorBody.appendEscaped(field, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return .json(status, bytes)
    }
}
