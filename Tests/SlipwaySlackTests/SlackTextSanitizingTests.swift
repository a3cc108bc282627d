import Foundation
import SlipwaySlack
import Testing

@Suite struct SlackTextSanitizingTests {
    @Test(
        "escape removes C0 controls (except newline and tab), DEL and bidi controls",
        arguments: [
            ("a\u{0}b", "ab"), ("a\u{1B}[2Jb", "a[2Jb"), ("line\r\nnext", "line\nnext"), ("tab\there", "tab\there"),
            ("del\u{7F}", "del"), ("\u{202E}exe.gnp", "exe.gnp"), ("\u{202A}\u{202B}\u{202C}\u{202D}x", "x"),
            ("\u{2066}\u{2067}\u{2068}y\u{2069}", "y"), ("\u{200E}l\u{200F}r\u{61C}", "lr"),
            ("→ ✅ … “quotes” é 日本", "→ ✅ … “quotes” é 日本"), ("<!here>\u{0}&", "&lt;!here&gt;&amp;"),
        ])
    func removesInvisibleControls(_ input: String, _ expected: String) {
        #expect(SlackText.escape(input) == expected)
    }

    @Test("a rendered message carries no NUL or bidi override from user text")
    func renderedMessageJSON() throws {
        let author = "mallory\u{0}\u{202E}nimda\u{202C}"
        let message = SlackMessage(
            text: "deployed by \(SlackText.escape(author))",
            blocks: [
                .section("by *\(SlackText.escape(author))*"),
                .context([SlackText.link("https://x.example", label: author)]),
            ])
        let json = String(decoding: message.jsonBytes(), as: UTF8.self)
        #expect(!json.contains("\\u0000"))
        #expect(!json.unicodeScalars.contains("\u{202E}"))
        #expect(!json.unicodeScalars.contains("\u{202C}"))
        #expect(json.contains("mallorynimda"))
    }
}
