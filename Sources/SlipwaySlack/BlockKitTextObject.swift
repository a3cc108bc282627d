/// A Block Kit text object on the wire (`{"type":"mrkdwn","text":"…"}`), used by the Codable conformances.
struct BlockKitTextObject: Codable, Hashable, Sendable {
    static let mrkdwnType = "mrkdwn"
    static let plainTextType = "plain_text"

    var type: String
    var text: String

    static func mrkdwn(_ text: String) -> BlockKitTextObject { BlockKitTextObject(type: mrkdwnType, text: text) }
    static func plain(_ text: String) -> BlockKitTextObject { BlockKitTextObject(type: plainTextType, text: text) }
}

extension KeyedDecodingContainer {
    /// Decodes a text object and returns its text, checking the object type.
    func decodeText(_ key: Key, type: String) throws -> String {
        let object = try decode(BlockKitTextObject.self, forKey: key)
        guard object.type == type else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "expected a \(type) text object")
        }
        return object.text
    }

    /// Decodes a string and checks it against a Block Kit length limit.
    func decodeLimited(_ key: Key, limit: Int) throws -> String? {
        guard let value = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard SlackText.length(value) <= limit else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "longer than \(limit) characters")
        }
        return value
    }
}
