#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A slash-command form body whose fields are located but not yet decoded.
///
/// Locating is one pass over the raw bytes with no allocation; a field is decoded only when it is read. The ack
/// path reads three fields of a `/status` (`team_id`, `command`, `text`) and never pays for the other nine;
/// ``payload()`` decodes everything for the commands that need it.
///
/// ```swift
/// let form = SlashCommandForm(formBody: request.body)
/// if form.isSSLCheck { return HTTPResponse(status: 200) }
/// try form.validate()
/// if form.command == "/status" { ... }
/// let payload = try form.payload()
/// ```
public struct SlashCommandForm: Sendable {
    /// The form fields Slipway reads.
    enum Field: Int, CaseIterable {
        case teamId, channelId, userId, command, responseURL, triggerId, enterpriseId, apiAppId, channelName
        case userName, text, sslCheck

        var wireName: String { Self.wireNames[rawValue].description }

        /// Wire names in raw-value order.
        static let wireNames: [StaticString] = [
            "team_id", "channel_id", "user_id", "command", "response_url", "trigger_id", "enterprise_id",
            "api_app_id", "channel_name", "user_name", "text", "ssl_check",
        ]

        /// Required fields, in the order they are checked (the first one missing is the one named); both
        /// ``SlashCommandForm/validate()`` and ``SlashCommandPayload/init(fields:)`` check them in this order.
        static let required: [Field] = [.teamId, .channelId, .userId, .command, .responseURL, .triggerId]

        /// The field with this decoded name, or nil. Length and first letter pick the only candidate, which is
        /// then compared in full (this runs for each of a dozen fields of every command).
        static func named(_ name: UnsafeBufferPointer<UInt8>) -> Field? {
            guard let first = name.first else { return nil }
            let candidate: Field? =
                switch (name.count, first) {
                case (4, UInt8(ascii: "t")): .text
                case (7, UInt8(ascii: "t")): .teamId
                case (7, UInt8(ascii: "u")): .userId
                case (7, UInt8(ascii: "c")): .command
                case (9, UInt8(ascii: "u")): .userName
                case (9, UInt8(ascii: "s")): .sslCheck
                case (10, UInt8(ascii: "c")): .channelId
                case (10, UInt8(ascii: "t")): .triggerId
                case (10, UInt8(ascii: "a")): .apiAppId
                case (12, UInt8(ascii: "r")): .responseURL
                case (12, UInt8(ascii: "c")): .channelName
                case (13, UInt8(ascii: "e")): .enterpriseId
                default: nil
                }
            guard let candidate else { return nil }
            guard let base = name.baseAddress else { return nil }
            return memcmp(wireNames[candidate.rawValue].utf8Start, base, name.count) == 0 ? candidate : nil
        }
    }

    private let body: [UInt8]
    /// Where each field's raw value starts and ends in `body` (by raw value); -1 when the field is absent.
    /// A pair without `=` has an empty value.
    private var starts = InlineArray<12, Int>(repeating: -1)
    private var ends = InlineArray<12, Int>(repeating: -1)

    /// Locates the fields of a raw body. Never fails: a missing field shows up in ``validate()``.
    /// When a name repeats, the first value wins (a forged later duplicate cannot override an earlier field).
    /// - Parameter formBody: The verified raw body.
    public init(formBody: [UInt8]) {
        body = formBody
        var starts = self.starts
        var ends = self.ends
        FormDecoder.forEachRawPair(formBody) { rawName, rawValue in
            let field = FormDecoder.withDecodedBytes(rawName) { Field.named($0) }
            guard let field, starts[field.rawValue] < 0 else { return }
            let range = rawValue.map { $0.startIndex..<$0.endIndex } ?? rawName.endIndex..<rawName.endIndex
            starts[field.rawValue] = range.lowerBound
            ends[field.rawValue] = range.upperBound
        }
        self.starts = starts
        self.ends = ends
    }

    /// Whether this is Slack's periodic `ssl_check=1` probe, which only needs an empty 200.
    public var isSSLCheck: Bool { value(.sslCheck) == "1" }

    /// Checks that every required field is present and not empty.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` naming the first one that is not (`team_id`, `channel_id`,
    ///   `user_id`, `command`, `response_url`, `trigger_id`).
    public func validate() throws(SlackPayloadError) {
        // A raw value that is not empty never decodes to an empty one, so the raw lengths tell.
        if let missing = Field.required.first(where: { ends[$0.rawValue] - starts[$0.rawValue] <= 0 }) {
            throw .missingField(missing.wireName)
        }
    }

    /// `team_id`, decoded; empty when absent.
    public var teamId: String { value(.teamId) ?? "" }
    /// `command`, decoded (e.g. `/status`); empty when absent.
    public var command: String { value(.command) ?? "" }
    /// `text`, decoded; empty when absent.
    public var text: String { value(.text) ?? "" }

    /// Decodes every field Slipway keeps.
    /// - Throws: ``SlackPayloadError/missingField(_:)`` as ``validate()`` does.
    public func payload() throws(SlackPayloadError) -> SlashCommandPayload {
        try validate()
        return SlashCommandPayload.build { value($0) }
    }

    /// The decoded value of `field`, or nil when it is absent.
    func value(_ field: Field) -> String? {
        let start = starts[field.rawValue]
        guard start >= 0 else { return nil }
        let end = ends[field.rawValue]
        return body.withUnsafeBufferPointer { FormDecoder.decode($0[start..<end]) }
    }
}
