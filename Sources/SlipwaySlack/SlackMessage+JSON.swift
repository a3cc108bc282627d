extension SlackMessage {
    /// The message as a JSON object, written with ``JSONWriter`` (the fast path for acks and Web API calls).
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + text.utf8.count + blocks.count * 128)
        writer.beginObject()
        writeFields(to: &writer)
        writer.endObject()
        return writer.bytes
    }

    /// Writes the message's fields into an object the caller has begun, so Web API methods can add `channel`, `ts`.
    public func writeFields(to writer: inout JSONWriter) {
        writer.field("text", text)
        if !blocks.isEmpty {
            writer.key("blocks")
            writer.beginArray()
            for block in blocks { block.write(to: &writer) }
            writer.endArray()
        }
        writer.field("response_type", responseType?.rawValue)
        writer.field("replace_original", replaceOriginal)
    }
}

extension SlackBlock {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        switch self {
        case .section(let section):
            writer.field("type", "section")
            if let text = section.text { writer.textObject("text", type: "mrkdwn", text) }
            if !section.fields.isEmpty {
                writer.key("fields")
                writer.beginArray()
                for field in section.fields { writer.textObject(nil, type: "mrkdwn", field) }
                writer.endArray()
            }
            if let accessory = section.accessory {
                writer.key("accessory")
                accessory.write(to: &writer)
            }
            writer.field("block_id", section.blockId)
        case .context(let context):
            writer.field("type", "context")
            writer.key("elements")
            writer.beginArray()
            for element in context.elements { writer.textObject(nil, type: "mrkdwn", element) }
            writer.endArray()
            writer.field("block_id", context.blockId)
        case .actions(let actions):
            writer.field("type", "actions")
            writer.key("elements")
            writer.beginArray()
            for button in actions.elements { button.write(to: &writer) }
            writer.endArray()
            writer.field("block_id", actions.blockId)
        case .divider:
            writer.field("type", "divider")
        case .header(let header):
            writer.field("type", "header")
            writer.textObject("text", type: "plain_text", header.text)
            writer.field("block_id", header.blockId)
        }
        writer.endObject()
    }
}

extension SlackButton {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("type", "button")
        writer.textObject("text", type: "plain_text", text)
        writer.field("action_id", actionId)
        writer.field("value", value)
        writer.field("style", style?.rawValue)
        writer.field("url", url)
        if let confirm {
            writer.key("confirm")
            writer.beginObject()
            writer.textObject("title", type: "plain_text", confirm.title)
            writer.textObject("text", type: "plain_text", confirm.text)
            writer.textObject("confirm", type: "plain_text", confirm.confirm)
            writer.textObject("deny", type: "plain_text", confirm.deny)
            writer.field("style", confirm.style?.rawValue)
            writer.endObject()
        }
        writer.endObject()
    }
}

extension JSONWriter {
    /// `"key":{"type":…,"text":…}`, or just the object inside an array when `key` is nil.
    mutating func textObject(_ name: String?, type: String, _ text: String) {
        if let name { key(name) }
        beginObject()
        field("type", type)
        field("text", text)
        endObject()
    }
}
