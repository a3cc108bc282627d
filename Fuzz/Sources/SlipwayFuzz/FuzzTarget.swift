import DeployCore
import Foundation
import SlipwayGitOps
import SlipwaySlack

@testable import SlipwayApp

/// One libFuzzer target: what Slipway does with untrusted bytes of one kind. A target must never crash, hang or
/// trap on any input; the kustomization editor's target also checks properties of every edit it makes.
enum FuzzTarget: String, CaseIterable {
    /// `application/x-www-form-urlencoded` bodies (slash commands and interactions arrive this way).
    case formDecoder = "form-decoder"
    /// Slash-command forms and the text typed after `/deploy`, `/rollback`, `/status`.
    case slashCommand = "slash-command"
    /// Interaction payloads (button clicks), as a form body with `payload=` and as raw JSON.
    case interactionPayload = "interaction-payload"
    /// The body of CI's `POST /api/v1/deploy/image-built`.
    case ciWebhook = "ci-webhook"
    /// The body of Flux's `POST /api/v1/flux/events`.
    case fluxWebhook = "flux-webhook"
    /// The kustomization.yaml `newTag:` editor: the edit reads back, changes one line and leaves other images alone.
    case kustomizationEditor = "kustomization-editor"
    /// The JSON configuration file.
    case configLoader = "config-loader"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .formDecoder:
            let fields = FormDecoder.decode(bytes)
            let pairs = FormDecoder.decodePairs(bytes)
            _ = fields
            for pair in pairs { _ = FormDecoder.decodeComponent(pair.value) }
        case .slashCommand:
            _ = try? SlashCommandPayload.parse(formBody: bytes)
            let form = SlashCommandForm(formBody: bytes)
            _ = try? form.validate()
            // The text as typed, after each of the commands Slipway handles (and the form's own command).
            let text = String(decoding: bytes, as: UTF8.self)
            for command in ["/deploy", "/rollback", "/status", form.command] {
                _ = try? CommandParser.parse(command: command, text: text)
            }
            _ = try? CommandParser.parse(command: form.command, text: form.text)
        case .interactionPayload:
            _ = try? InteractionPayload(formBody: bytes)
            _ = try? InteractionPayload(json: bytes)
        case .ciWebhook:
            _ = try? ImageBuiltEndpoint.decode(bytes)
        case .fluxWebhook:
            _ = try? JSONDecoder().decode(FluxEventsEndpoint.Event.self, from: Data(bytes))
        case .kustomizationEditor:
            KustomizationProperties.check(bytes)
        case .configLoader:
            _ = try? ConfigLoader.parse(Data(bytes))
        }
    }
}

/// The properties every successful `newTag:` edit must have, checked on arbitrary files (read by libyaml).
enum KustomizationProperties {
    static let images = ["ghcr.io/nortinia-ltd/shop", "ghcr.io/nortinia-ltd/api", "shop", "nginx"]
    static let newTag = "main-f00dfee"

    static func check(_ bytes: [UInt8]) {
        // The first byte picks the image to edit; the rest is the file.
        guard let first = bytes.first else { return }
        let image = images[Int(first) % images.count]
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let editor = KustomizationImageEditor(path: "fuzz/kustomization.yaml")
        _ = try? editor.currentTag(in: text, image: image)
        guard let edit = try? editor.settingTag(newTag, image: image, in: text) else { return }

        // The edit reads back.
        let readBack = try? editor.currentTag(in: edit.text, image: image)
        guard readBack == newTag else {
            fatalError("edit does not read back: set \(newTag) on \(image), read \(String(describing: readBack))")
        }
        // It changes one line (or adds one `newTag:` line when the entry had none); nothing when already set.
        let before = lines(text)
        let after = lines(edit.text)
        if edit.oldTag == newTag {
            guard edit.text == text else { fatalError("setting the tag it already had changed the file") }
        } else if edit.oldTag != nil {
            // The old value may span lines (YAML folds a plain or quoted scalar over several); the new one is one
            // line. So one line of the result replaces one or more consecutive lines; all others are as they were.
            guard after.count <= before.count else {
                fatalError("replacing a tag changed the line count from \(before.count) to \(after.count)")
            }
            let first = firstDifference(before, after)
            let kept = after.count - first - 1
            guard first < after.count, kept >= 0, Array(before.suffix(kept)) == Array(after.suffix(kept)) else {
                fatalError("replacing a tag changed lines other than the tag's")
            }
        } else if after.count == before.count {
            // A flow-style entry (`{name: shop}`) gets its `newTag` on the same line.
            let changed = zip(before, after).filter { $0 != $1 }.count
            guard changed == 1 else { fatalError("adding a newTag in place changed \(changed) lines") }
        } else {
            guard after.count == before.count + 1 else {
                fatalError("adding a newTag changed the line count from \(before.count) to \(after.count)")
            }
            // Removing exactly one line of the result gives the original back.
            let restored = after.indices.contains { index in
                var copy = after
                copy.remove(at: index)
                return copy == before
            }
            guard restored else { fatalError("adding a newTag changed more than one line") }
        }
        // Other images keep their tags (or their errors). An image that names the same entry (`name: shop` with
        // `newName: ghcr.io/nortinia-ltd/shop`) is the same image, not another one: its edit touches the same line.
        let editedLine = firstDifference(before, after)
        for other in images where other != image {
            if let otherEdit = try? editor.settingTag("other-tag", image: other, in: text),
                firstDifference(before, lines(otherEdit.text)) == editedLine
            {
                continue
            }
            let old = try? editor.currentTag(in: text, image: other)
            let new = try? editor.currentTag(in: edit.text, image: other)
            guard old == new else {
                fatalError("editing \(image) changed \(other): \(String(describing: old)) → \(String(describing: new))")
            }
        }
    }

    /// The index of the first line that differs (the shorter's count when one is a prefix of the other).
    static func firstDifference(_ a: [ArraySlice<UInt8>], _ b: [ArraySlice<UInt8>]) -> Int {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
    }

    /// Lines split at LF bytes (a String splits by Characters, and "\r\n" is one Character), without their CR: a
    /// line added after a last line that had no line break gives that line a CRLF break, which is not a change of
    /// its content.
    /// The lines of `text` as YAML counts them: a break is `\r\n`, `\n` or a lone `\r`.
    static func lines(_ text: String) -> [ArraySlice<UInt8>] {
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            lines.append(bytes[start..<index])
            index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
            start = index
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }
}
