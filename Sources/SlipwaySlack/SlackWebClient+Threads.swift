extension SlackWebClient {
    /// Posts `message` as a reply in the thread of the message at `threadTs` (`chat.postMessage` with `thread_ts`);
    /// it stays in the thread (not broadcast to the channel).
    /// - Returns: The reply's `ts`.
    /// - Throws: ``SlackAPIError``.
    @discardableResult
    public func postReply(channel: String, threadTs: String, message: SlackMessage) async throws(SlackAPIError)
        -> String
    {
        let chatMessage = SlackMessage(text: message.text, blocks: message.blocks)
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.field("channel", channel)
        writer.field("thread_ts", threadTs)
        chatMessage.writeFields(to: &writer)
        writer.field("unfurl_links", false)
        writer.endObject()
        let object = try await call("chat.postMessage", body: writer.bytes)
        guard let ts = object["ts"] as? String else {
            throw .invalidResponse(method: "chat.postMessage", httpStatus: 200)
        }
        return ts
    }
}
