import Foundation
import SlipwaySlack

/// Checks a message's JSON against the Block Kit rules this bot relies on: known block and element types, required
/// fields, and Slack's length and count limits. Used by tests to prove every message the bot builds would be
/// accepted by Slack.
public enum BlockKitValidator {
    /// Validates a message given as JSON bytes.
    /// - Parameter json: A JSON object with `text` and/or `blocks`.
    /// - Returns: One line per problem, with a path such as `blocks[2].elements[0].action_id`; empty when valid.
    public static func validate(json: [UInt8]) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) else { return ["not valid JSON"] }
        return validate(object)
    }

    /// Validates a message given as a `JSONSerialization` object.
    /// - Parameter jsonObject: The decoded JSON.
    /// - Returns: One line per problem; empty when valid.
    public static func validate(_ jsonObject: Any) -> [String] {
        var problems = Problems()
        guard let message = jsonObject as? [String: Any] else { return ["message is not a JSON object"] }
        let blocks = message["blocks"]
        if let text = message["text"] {
            if let text = text as? String {
                problems.checkLength(text, BlockKitLimits.messageText, "text")
            } else {
                problems.add("text", "must be a string")
            }
        } else if blocks == nil {
            problems.add("text", "is required when there are no blocks")
        }
        if let responseType = message["response_type"] {
            if let value = responseType as? String, value == "ephemeral" || value == "in_channel" {
            } else {
                problems.add("response_type", "must be \"ephemeral\" or \"in_channel\"")
            }
        }
        if let blocks {
            guard let list = blocks as? [Any] else {
                problems.add("blocks", "must be an array")
                return problems.lines
            }
            if list.count > BlockKitLimits.blocksPerMessage {
                problems.add("blocks", "has \(list.count) blocks; at most \(BlockKitLimits.blocksPerMessage) allowed")
            }
            var blockIds = Set<String>()
            for (index, block) in list.enumerated() {
                validateBlock(block, path: "blocks[\(index)]", blockIds: &blockIds, problems: &problems)
            }
        }
        return problems.lines
    }

    private static func validateBlock(_ value: Any, path: String, blockIds: inout Set<String>, problems: inout Problems)
    {
        guard let block = value as? [String: Any] else { return problems.add(path, "must be an object") }
        if let blockId = block["block_id"] {
            if let id = blockId as? String, !id.isEmpty {
                problems.checkLength(id, BlockKitLimits.blockId, "\(path).block_id")
                if !blockIds.insert(id).inserted { problems.add("\(path).block_id", "repeats \"\(id)\"") }
            } else {
                problems.add("\(path).block_id", "must be a non-empty string")
            }
        }
        guard let type = block["type"] as? String else { return problems.add("\(path).type", "is required") }
        switch type {
        case "section":
            let hasText = block["text"] != nil
            let hasFields = block["fields"] != nil
            if !hasText && !hasFields { problems.add(path, "a section needs text or fields") }
            if let text = block["text"] {
                validateText(text, path: "\(path).text", limit: BlockKitLimits.sectionText, problems: &problems)
            }
            if let fields = block["fields"] {
                if let list = fields as? [Any], !list.isEmpty {
                    if list.count > BlockKitLimits.sectionFields {
                        problems.add("\(path).fields", "has \(list.count) fields; at most 10 allowed")
                    }
                    for (index, field) in list.enumerated() {
                        validateText(
                            field, path: "\(path).fields[\(index)]", limit: BlockKitLimits.sectionFieldText,
                            problems: &problems)
                    }
                } else {
                    problems.add("\(path).fields", "must be a non-empty array")
                }
            }
            if let accessory = block["accessory"] {
                validateElement(accessory, path: "\(path).accessory", problems: &problems)
            }
        case "context":
            guard let elements = block["elements"] as? [Any], !elements.isEmpty else {
                return problems.add("\(path).elements", "must be a non-empty array")
            }
            if elements.count > BlockKitLimits.contextElements {
                problems.add("\(path).elements", "has \(elements.count) elements; at most 10 allowed")
            }
            for (index, element) in elements.enumerated() {
                validateText(
                    element, path: "\(path).elements[\(index)]", limit: BlockKitLimits.sectionText,
                    problems: &problems)
            }
        case "actions":
            guard let elements = block["elements"] as? [Any], !elements.isEmpty else {
                return problems.add("\(path).elements", "must be a non-empty array")
            }
            if elements.count > BlockKitLimits.actionsElements {
                problems.add("\(path).elements", "has \(elements.count) elements; at most 25 allowed")
            }
            var actionIds = Set<String>()
            for (index, element) in elements.enumerated() {
                let elementPath = "\(path).elements[\(index)]"
                validateElement(element, path: elementPath, problems: &problems)
                if let id = (element as? [String: Any])?["action_id"] as? String, !actionIds.insert(id).inserted {
                    problems.add("\(elementPath).action_id", "repeats \"\(id)\" within the block")
                }
            }
        case "divider":
            break
        case "header":
            guard let text = block["text"] else { return problems.add("\(path).text", "is required") }
            validateText(
                text, path: "\(path).text", limit: BlockKitLimits.headerText, plainOnly: true, problems: &problems)
        default:
            problems.add("\(path).type", "unknown block type \"\(type)\"")
        }
    }

    private static func validateElement(_ value: Any, path: String, problems: inout Problems) {
        guard let element = value as? [String: Any] else { return problems.add(path, "must be an object") }
        guard let type = element["type"] as? String else { return problems.add("\(path).type", "is required") }
        guard type == "button" else { return problems.add("\(path).type", "unknown element type \"\(type)\"") }
        if let text = element["text"] {
            validateText(
                text, path: "\(path).text", limit: BlockKitLimits.buttonText, plainOnly: true, problems: &problems)
        } else {
            problems.add("\(path).text", "is required")
        }
        checkOptionalString(element, "action_id", limit: BlockKitLimits.actionId, path: path, problems: &problems)
        checkOptionalString(element, "value", limit: BlockKitLimits.buttonValue, path: path, problems: &problems)
        checkOptionalString(element, "url", limit: BlockKitLimits.buttonURL, path: path, problems: &problems)
        if let style = element["style"] {
            if let value = style as? String, value == "primary" || value == "danger" {
            } else {
                problems.add("\(path).style", "must be \"primary\" or \"danger\"")
            }
        }
        if let confirm = element["confirm"] {
            validateConfirm(confirm, path: "\(path).confirm", problems: &problems)
        }
    }

    private static func validateConfirm(_ value: Any, path: String, problems: inout Problems) {
        guard let confirm = value as? [String: Any] else { return problems.add(path, "must be an object") }
        let parts: [(String, Int, Bool)] = [
            ("title", BlockKitLimits.confirmTitle, true),
            ("text", BlockKitLimits.confirmText, false),
            ("confirm", BlockKitLimits.confirmButton, true),
            ("deny", BlockKitLimits.confirmButton, true),
        ]
        for (name, limit, plainOnly) in parts {
            guard let text = confirm[name] else {
                problems.add("\(path).\(name)", "is required")
                continue
            }
            validateText(text, path: "\(path).\(name)", limit: limit, plainOnly: plainOnly, problems: &problems)
        }
    }

    private static func checkOptionalString(
        _ object: [String: Any], _ name: String, limit: Int, path: String, problems: inout Problems
    ) {
        guard let value = object[name] else { return }
        guard let string = value as? String, !string.isEmpty else {
            return problems.add("\(path).\(name)", "must be a non-empty string")
        }
        problems.checkLength(string, limit, "\(path).\(name)")
    }

    private static func validateText(
        _ value: Any, path: String, limit: Int, plainOnly: Bool = false, problems: inout Problems
    ) {
        guard let object = value as? [String: Any] else { return problems.add(path, "must be a text object") }
        switch object["type"] as? String {
        case "plain_text": break
        case "mrkdwn" where !plainOnly: break
        case "mrkdwn": problems.add("\(path).type", "must be plain_text")
        default: problems.add("\(path).type", "must be \(plainOnly ? "plain_text" : "plain_text or mrkdwn")")
        }
        guard let text = object["text"] as? String else { return problems.add("\(path).text", "is required") }
        if text.isEmpty { problems.add("\(path).text", "must not be empty") }
        problems.checkLength(text, limit, "\(path).text")
    }

    private struct Problems {
        var lines: [String] = []

        mutating func add(_ path: String, _ problem: String) { lines.append("\(path): \(problem)") }

        mutating func checkLength(_ text: String, _ limit: Int, _ path: String) {
            let length = SlackText.length(text)
            if length > limit { add(path, "is \(length) characters; at most \(limit) allowed") }
        }
    }
}
