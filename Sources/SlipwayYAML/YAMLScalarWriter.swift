/// Writes a string as a YAML scalar in a given style.
public enum YAMLScalarWriter {
    /// The value written in `style`: single- and double-quoted styles escape what they must; plain falls back to
    /// double quotes when the value would not read back as the same string. Block styles are written double-quoted.
    public static func write(_ value: String, as style: YAMLScalar.Style) -> String {
        switch style {
        case .plain:
            return canBePlain(value) ? value : doubleQuoted(value)
        case .singleQuoted:
            if value.unicodeScalars.contains(where: isControl) { return doubleQuoted(value) }
            var text = "'"
            for character in value {
                text.append(character)
                if character == "'" { text.append("'") }
            }
            return text + "'"
        case .doubleQuoted, .literal, .folded:
            return doubleQuoted(value)
        }
    }

    /// `"value"` with `\`, `"` and control characters escaped.
    public static func doubleQuoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case "\r": text += "\\r"
            default:
                if isControl(scalar) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    if scalar.value <= 0xFF {
                        text += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                    } else {
                        text += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                    }
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    /// Whether `value` written plain reads back as the same string under YAML 1.1 and 1.2: no indicators,
    /// no leading or trailing blanks, and not a number, boolean or null.
    public static func canBePlain(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return false }
        if "-?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) { return false }
        if first == " " || first == "\t" || last == " " || last == "\t" { return false }
        if value.unicodeScalars.contains(where: { isControl($0) || $0 == "\u{FEFF}" }) { return false }
        if value.contains(": ") || value.contains(" #") || value.hasSuffix(":") { return false }
        if value.unicodeScalars.contains(where: { ",[]{}".unicodeScalars.contains($0) }) { return false }
        return !readsAsNonString(value)
    }

    /// Whether a plain scalar would resolve to something other than a string under YAML 1.1 or 1.2
    /// (`1.10` is the float 1.1, `20240101` an integer, `yes`/`on` booleans, `~` null).
    public static func readsAsNonString(_ value: String) -> Bool {
        let words: Set<String> = [
            "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ".inf", "-.inf", "+.inf", ".nan",
        ]
        if words.contains(value.lowercased()) { return true }
        var bytes = Array(value.utf8)
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes.removeFirst() }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "."), bytes.count > 1, isDigit(bytes[1]) { return true }  // .5
        guard isDigit(first) else { return false }
        if bytes.count > 2, first == UInt8(ascii: "0"), "xXoObB".utf8.contains(bytes[1]) {
            return bytes.dropFirst(2).allSatisfy {
                $0 == UInt8(ascii: "_") || isDigit($0) || "abcdefABCDEF".utf8.contains($0)
            }
        }
        var index = 0
        // YAML 1.1 sexagesimal (`1:20`) and underscores (`1_000`) read as numbers too.
        func isNumberByte(_ byte: UInt8) -> Bool {
            isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
        while index < bytes.count && isNumberByte(bytes[index]) { index += 1 }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count && (isDigit(bytes[index]) || bytes[index] == UInt8(ascii: "_")) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                index += 1
            }
            let digitsStart = index
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
            if index == digitsStart { return false }
        }
        return index == bytes.count
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
    }
}
