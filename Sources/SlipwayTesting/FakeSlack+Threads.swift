import Foundation

extension FakeSlack {
    /// The replies in the thread of the message `channel`/`ts`, oldest first, as the JSON objects sent.
    public func threadReplies(channel: String, ts: String) -> [[String: Any]] {
        threadStore(channel: channel, ts: ts).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        }
    }

    /// The texts of a thread's replies, oldest first (each reply's `text` and its blocks' texts, joined).
    public func threadTexts(channel: String, ts: String) -> [String] {
        threadStore(channel: channel, ts: ts).map { String(decoding: $0, as: UTF8.self) }
    }
}
