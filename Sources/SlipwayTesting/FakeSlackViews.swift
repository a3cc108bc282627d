import Foundation
import SlipwayHTTP
import Synchronization

/// `views.open` and `views.publish` for ``FakeSlack``: checks a view as Slack does (a `trigger_id` or `user_id`,
/// the view type, title length, at most 100 blocks, input blocks with a label and a known element, layout blocks
/// through ``BlockKitValidator``), answers `{"ok":true,"view":{"id":…}}` or `invalid_arguments` with the problems
/// in `response_metadata.messages`, and records every view. ``submission(of:user:values:)`` builds the
/// `view_submission` a user's click on Submit sends.
public final class FakeSlackViews: Sendable {
    private struct State {
        var opened: [(trigger: String, view: [UInt8])] = []
        var published: [(user: String, view: [UInt8])] = []
        var expiredTriggers: Set<String> = []
        var counter = 0
    }
    private let state = Mutex(State())

    init() {}

    /// Makes `views.open` with this trigger id answer `expired_trigger_id`.
    public func expireTrigger(_ triggerId: String) { state.withLock { _ = $0.expiredTriggers.insert(triggerId) } }

    /// The modals opened, oldest first.
    public var openedViews: [[String: Any]] { state.withLock { $0.opened.map(\.view) }.compactMap(Self.object) }

    /// Every Home tab published, oldest first, with its user.
    public var publishedViews: [(user: String, view: [String: Any])] {
        state.withLock { $0.published }.compactMap { entry in Self.object(entry.view).map { (entry.user, $0) } }
    }

    /// The Home tab last published for `user`.
    public func home(of user: String) -> [String: Any]? { publishedViews.last { $0.user == user }?.view }

    /// How many times `user`'s Home tab was published.
    public func publishCount(user: String) -> Int { state.withLock { $0.published.filter { $0.user == user }.count } }

    func handle(method: String, body: [String: Any]) -> HTTPResponse {
        let view = body["view"] as? [String: Any]
        var problems: [String] = []
        if let view {
            problems += Self.problems(view, home: method == "views.publish")
        } else {
            problems.append("[ERROR] missing required field: view")
        }
        let raw = view.flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { [UInt8]($0) } ?? []
        switch method {
        case "views.open":
            guard let trigger = body["trigger_id"] as? String, !trigger.isEmpty else {
                return Self.error("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
            }
            if state.withLock({ $0.expiredTriggers.contains(trigger) }) { return Self.error("expired_trigger_id") }
            guard problems.isEmpty else { return Self.error("invalid_arguments", problems) }
            let id = state.withLock { s in
                s.opened.append((trigger, raw))
                s.counter += 1
                return "V\(s.counter)"
            }
            return Self.ok(id)
        default:
            guard let user = body["user_id"] as? String, !user.isEmpty else {
                return Self.error("invalid_arguments", ["[ERROR] missing required field: user_id"])
            }
            guard problems.isEmpty else { return Self.error("invalid_arguments", problems) }
            let id = state.withLock { s in
                s.published.append((user, raw))
                s.counter += 1
                return "VH\(s.counter)"
            }
            return Self.ok(id)
        }
    }

    static func problems(_ view: [String: Any], home: Bool) -> [String] {
        var problems: [String] = []
        let type = view["type"] as? String
        if home ? type != "home" : type != "modal" {
            problems.append("[ERROR] view.type must be \(home ? "home" : "modal")")
        }
        func plainText(_ key: String, limit: Int, required: Bool) {
            guard let object = view[key] as? [String: Any] else {
                if required { problems.append("[ERROR] missing required field: \(key)") }
                return
            }
            let text = object["text"] as? String ?? ""
            if object["type"] as? String != "plain_text" { problems.append("[ERROR] \(key) must be plain_text") }
            if text.isEmpty || text.utf16.count > limit {
                problems.append("[ERROR] \(key).text must be 1...\(limit) characters")
            }
        }
        if !home {
            plainText("title", limit: 24, required: true)
            plainText("submit", limit: 24, required: false)
            plainText("close", limit: 24, required: false)
        }
        if let metadata = view["private_metadata"] as? String, metadata.utf16.count > 3000 {
            problems.append("[ERROR] private_metadata must be at most 3000 characters")
        }
        let blocks = view["blocks"] as? [[String: Any]] ?? []
        if blocks.count > 100 { problems.append("[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]") }
        var layout: [[String: Any]] = []
        var hasInput = false
        for (index, block) in blocks.enumerated() {
            guard block["type"] as? String == "input" else {
                layout.append(block)
                continue
            }
            hasInput = true
            let path = "/view/blocks/\(index)"
            if home { problems.append("[ERROR] input blocks are not allowed in a home view [json-pointer:\(path)]") }
            if (block["label"] as? [String: Any])?["type"] as? String != "plain_text" {
                problems.append("[ERROR] missing plain_text label [json-pointer:\(path)/label]")
            }
            guard let element = block["element"] as? [String: Any], let kind = element["type"] as? String,
                let action = element["action_id"] as? String, !action.isEmpty
            else {
                problems.append("[ERROR] missing element with type and action_id [json-pointer:\(path)/element]")
                continue
            }
            switch kind {
            case "static_select":
                let options =
                    element["options"] as? [[String: Any]]
                    ?? (element["option_groups"] as? [[String: Any]] ?? []).flatMap {
                        $0["options"] as? [[String: Any]] ?? []
                    }
                if options.isEmpty || options.count > 100 {
                    problems.append("[ERROR] a static_select needs 1...100 options [json-pointer:\(path)/element]")
                }
                for option in options {
                    let text = (option["text"] as? [String: Any])?["text"] as? String ?? ""
                    let value = option["value"] as? String ?? ""
                    if text.isEmpty || text.utf16.count > 75 || value.isEmpty || value.utf16.count > 150 {
                        problems.append("[ERROR] option text 1...75, value 1...150 [json-pointer:\(path)/element]")
                    }
                }
            case "plain_text_input": break
            default: problems.append("[ERROR] unsupported element type \(kind) [json-pointer:\(path)/element]")
            }
        }
        if hasInput && !home && view["submit"] == nil {
            problems.append("[ERROR] a modal with input blocks needs a submit button")
        }
        problems += BlockKitValidator.validate(["blocks": layout]).map { "[ERROR] \($0)" }
        return problems
    }

    /// The `view_submission` payload a user sends by submitting `view` with `values` (block id → the chosen option's
    /// value, or the text typed); inputs not in `values` are submitted empty.
    public func submission(of view: [String: Any], user: String, values: [String: String]) -> [String: Any] {
        var state: [String: Any] = [:]
        for block in view["blocks"] as? [[String: Any]] ?? [] where block["type"] as? String == "input" {
            guard let blockId = block["block_id"] as? String, let element = block["element"] as? [String: Any],
                let action = element["action_id"] as? String
            else { continue }
            let value = values[blockId]
            if element["type"] as? String == "static_select" {
                let options =
                    element["options"] as? [[String: Any]]
                    ?? (element["option_groups"] as? [[String: Any]] ?? []).flatMap {
                        $0["options"] as? [[String: Any]] ?? []
                    }
                // A value not among the options is sent as given: a test of what the server does with it.
                let chosen: Any =
                    value.map { v in options.first { $0["value"] as? String == v } ?? ["value": v] } ?? NSNull()
                state[blockId] = [action: ["type": "static_select", "selected_option": chosen]]
            } else {
                let typed: Any = value ?? NSNull()
                state[blockId] = [action: ["type": "plain_text_input", "value": typed]]
            }
        }
        var submitted = view
        submitted["id"] = "V-submitted"
        submitted["state"] = ["values": state]
        return [
            "type": "view_submission", "team": ["id": SlipwayHarness.teamId, "domain": "nortinia"],
            "user": [
                "id": user, "username": user.lowercased(), "name": user.lowercased(), "team_id": SlipwayHarness.teamId,
            ],
            "api_app_id": "A1", "token": "x", "trigger_id": "trigger-\(UUID().uuidString)", "view": submitted,
            "response_urls": [],
        ]
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    private static func ok(_ id: String) -> HTTPResponse {
        .json(200, #"{"ok":true,"view":{"id":"\#(id)"}}"#)
    }

    private static func error(_ code: String, _ messages: [String] = []) -> HTTPResponse {
        let body: [String: Any] = ["ok": false, "error": code, "response_metadata": ["messages": messages]]
        return .json(200, [UInt8]((try? JSONSerialization.data(withJSONObject: body)) ?? Data()))
    }
}
