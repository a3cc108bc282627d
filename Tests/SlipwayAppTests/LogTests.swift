import Foundation
import SlipwayApp
import Synchronization
import Testing

@Suite("Structured log")
struct LogTests {
    /// 2026-11-23T18:00:00.123Z
    static let time = Date(timeIntervalSince1970: 1_795_456_800.123)

    static func record(
        _ message: String = "committed", level: Log.Level = .info,
        metadata: Log.Metadata = ["deploy": "d-1", "service": "shop", "environment": "prod"]
    ) -> LogRecord {
        LogRecord(time: time, level: level, label: "slipway", message: message, metadata: metadata)
    }

    @Test("a text line is time, level, logger and message, then the metadata as key=value, keys sorted")
    func textLine() {
        #expect(
            Self.record().line(.text)
                == "2026-11-23T18:00:00.123Z info slipway: committed deploy=d-1 environment=prod service=shop\n")
        #expect(Self.record(metadata: [:]).line(.text) == "2026-11-23T18:00:00.123Z info slipway: committed\n")
    }

    @Test("in text a record stays one line: line breaks are escaped, values with spaces or quotes are quoted")
    func textStaysOneLine() {
        let line = Self.record(
            "git push failed:\nremote rejected", level: .error,
            metadata: ["reason": "no such \"host\"", "empty": "", "detail": "a\nb"]
        ).line(.text)
        let expected =
            #"2026-11-23T18:00:00.123Z error slipway: git push failed:\nremote rejected "#
            + #"detail="a\nb" empty="" reason="no such \"host\"""# + "\n"
        #expect(line == expected)
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test("a JSON line has time, level, logger and message, and every metadata key as a field of its own")
    func jsonLine() throws {
        let line = Self.record().line(.json)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "2026-11-23T18:00:00.123Z", "level": "info", "logger": "slipway", "message": "committed",
                "deploy": "d-1", "service": "shop", "environment": "prod",
            ])
    }

    @Test("JSON escapes quotes and line breaks; metadata cannot replace time, level, logger or message")
    func jsonEscapesAndKeepsTheFourFields() throws {
        let line = Self.record(
            "said \"no\"\nthen left", level: .warning, metadata: ["message": "forged", "level": "debug", "x": "1"]
        ).line(.json)
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "said \"no\"\nthen left")
        #expect(object["level"] == "warning")
        #expect(object["x"] == "1")
        #expect(object.count == 5)
    }

    @Test(
        "timestamps are UTC to the millisecond",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000Z"),
            (1_795_456_800.5, "2026-11-23T18:00:00.500Z"),
            (1_795_456_800.007, "2026-11-23T18:00:00.007Z"),
            (1_795_456_859.9996, "2026-11-23T18:01:00.000Z"),
            (951_782_400.25, "2000-02-29T00:00:00.250Z"),
            (-0.001, "1969-12-31T23:59:59.999Z"),
        ])
    func millisecondTimestamps(_ seconds: Double, _ expected: String) {
        let record = LogRecord(
            time: Date(timeIntervalSince1970: seconds), level: .info, label: "slipway", message: "m", metadata: [:])
        #expect(record.line(.text) == "\(expected) info slipway: m\n")
    }

    @Test("the level filter drops what is below the minimum without building its message")
    func levelFilter() {
        let capture = LogCapture()
        let log = Log(minimum: .warning, sink: capture)
        let built = Mutex(0)
        func message(_ text: String) -> String {
            built.withLock { $0 += 1 }
            return text
        }
        log.debug(message("d"))
        log.info(message("i"))
        log.warning(message("w"))
        log.error(message("e"))
        #expect(capture.records.map(\.message) == ["w", "e"])
        #expect(capture.records.map(\.level) == [.warning, .error])
        #expect(built.withLock { $0 } == 2)
    }

    @Test("LogCapture keeps records with the logger's metadata, the record's own winning, oldest first")
    func captureAndMetadata() {
        let capture = LogCapture()
        let log = Log(minimum: .debug, sink: capture).with(["component": "outbox", "service": "default"])
        log.info("delivered", metadata: ["deploy": "d-7", "service": "shop"])
        log.debug("idle")
        #expect(capture.records.count == 2)
        #expect(capture.records[0].metadata == ["component": "outbox", "deploy": "d-7", "service": "shop"])
        #expect(capture.records[1].metadata == ["component": "outbox", "service": "default"])
        #expect(capture.records.allSatisfy { $0.label == "slipway" })
        let lines = capture.lines(.text)
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix(" info slipway: delivered component=outbox deploy=d-7 service=shop\n"))
        #expect(lines[1].hasSuffix(" debug slipway: idle component=outbox service=default\n"))
    }

    @Test("records written from many threads are all kept")
    func captureIsThreadSafe() async {
        let capture = LogCapture()
        let log = Log(sink: capture)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask { for n in 0..<100 { log.info("tick", metadata: ["n": "\(task)-\(n)"]) } }
            }
        }
        #expect(Set(capture.records.compactMap { $0.metadata["n"] }).count == 800)
    }

    @Test("Log.host names only the host of a URL, never its path (a response_url is a credential)")
    func hostOnly() {
        #expect(Log.host(of: "https://hooks.slack.com/actions/T0001/1234/s3cr3t") == "hooks.slack.com")
        #expect(Log.host(of: "not a url") == "?")
    }
}
