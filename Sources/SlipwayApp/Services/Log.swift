import DeployCore
import Foundation
import SlipwaySlack
import Synchronization

/// A small structured logger (after swift-log): one record per event with a message and metadata (`deploy`,
/// `service`, `environment`, `component`, …), written to standard error as text or as one JSON object per line
/// (for log pipelines), or captured in memory by tests (`LogCapture`).
///
/// Never give it secrets: tokens, signing secrets and `response_url`s (credentials for 30 minutes; log at most
/// their host, see `Log.host(of:)`) stay out of messages and metadata.
public struct Log: Sendable {
    public typealias Level = SlipwayConfig.Logging.Level
    public typealias Format = SlipwayConfig.Logging.Format
    /// Key–value context of a record; keys are lower camel case (`deploy`, `service`, `environment`).
    public typealias Metadata = [String: String]

    public var minimum: Level
    public var label: String
    public var format: Format
    /// Attached to every record this logger writes (for example `component`); a record's own metadata wins.
    public var metadata: Metadata
    private let sink: any LogSink

    public init(
        label: String = "slipway", minimum: Level = .info, format: Format = .text, metadata: Metadata = [:],
        sink: any LogSink = StandardErrorLogSink()
    ) {
        self.label = label
        self.minimum = minimum
        self.format = format
        self.metadata = metadata
        self.sink = sink
    }

    /// The logger the configuration's `log` section asks for.
    public init(_ logging: SlipwayConfig.Logging) {
        self.init(minimum: logging.level, format: logging.format)
    }

    /// This logger with `extra` attached to every record (`log.with(["component": "outbox"])`).
    public func with(_ extra: Metadata) -> Log {
        var copy = self
        copy.metadata.merge(extra) { _, new in new }
        return copy
    }

    /// Accesses one metadata value attached to every record.
    public subscript(metadataKey key: String) -> String? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func debug(_ message: @autoclosure () -> String, metadata: @autoclosure () -> Metadata = [:]) {
        write(.debug, message, metadata)
    }
    public func info(_ message: @autoclosure () -> String, metadata: @autoclosure () -> Metadata = [:]) {
        write(.info, message, metadata)
    }
    public func warning(_ message: @autoclosure () -> String, metadata: @autoclosure () -> Metadata = [:]) {
        write(.warning, message, metadata)
    }
    public func error(_ message: @autoclosure () -> String, metadata: @autoclosure () -> Metadata = [:]) {
        write(.error, message, metadata)
    }

    private func write(_ level: Level, _ message: () -> String, _ extra: () -> Metadata) {
        guard level >= minimum else { return }
        var all = metadata
        all.merge(extra()) { _, new in new }
        sink.write(
            LogRecord(time: Date(), level: level, label: label, message: message(), metadata: all), format: format)
    }

    /// The host of a URL, for logging where a call went without logging the URL (a `response_url` is a
    /// credential). - Returns: the host, or `?` when `url` has none.
    public static func host(of url: String) -> String {
        URLComponents(string: url)?.host ?? "?"
    }
}

/// One log event.
public struct LogRecord: Sendable, Equatable {
    public var time: Date
    public var level: Log.Level
    public var label: String
    public var message: String
    public var metadata: Log.Metadata

    public init(time: Date, level: Log.Level, label: String, message: String, metadata: Log.Metadata) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
    }

    /// The record as one line, newline included: text (`time level label: message key=value …`, keys sorted)
    /// or one JSON object with `time`, `level`, `logger`, `message` and the metadata as fields (a metadata key
    /// named like one of those four is left out). Times are ISO 8601 UTC with milliseconds
    /// (`2026-11-23T18:00:00.123Z`).
    ///
    /// In text, line breaks in the message or a value are written as `\n`, so a record is always one line; a value
    /// that is empty or holds a space, `"` or `=` is quoted (`reason="no such host"`), as in logfmt.
    public func line(_ format: Log.Format) -> String {
        // By hand, to the nearest millisecond: `Date.ISO8601FormatStyle` truncates (….123 printed as .122).
        let stamp = K8s.Timestamp.format(time, fractionDigits: 3)
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            var line = "\(stamp) \(level.rawValue) \(label): \(Self.oneLine(message))"
            for key in keys { line += " \(key)=\(Self.textValue(metadata[key]!))" }
            return line + "\n"
        case .json:
            var json = JSONWriter(capacity: message.utf8.count + 96)
            json.beginObject()
            json.field("time", stamp)
            json.field("level", level.rawValue)
            json.field("logger", label)
            json.field("message", message)
            for key in keys where !Self.reservedKeys.contains(key) {
                json.field(key, metadata[key]!)
            }
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self) + "\n"
        }
    }

    private static let reservedKeys: Set<String> = ["time", "level", "logger", "message"]

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: "\\n")
    }

    private static func textValue(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }
        if plain { return value }
        var quoted = "\""
        for character in value {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where character.isNewline: quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }
}

/// Where records go.
public protocol LogSink: Sendable {
    func write(_ record: LogRecord, format: Log.Format)
}

/// Writes each record as one line to standard error.
public struct StandardErrorLogSink: LogSink {
    public init() {}
    public func write(_ record: LogRecord, format: Log.Format) {
        FileHandle.standardError.write(Data(record.line(format).utf8))
    }
}

/// Keeps records in memory, for tests that assert on what was logged.
public final class LogCapture: LogSink {
    private let stored = Mutex<[LogRecord]>([])

    public init() {}

    public func write(_ record: LogRecord, format: Log.Format) {
        stored.withLock { $0.append(record) }
    }

    /// Every record written so far, oldest first.
    public var records: [LogRecord] { stored.withLock { $0 } }

    /// Every line written so far in `format`.
    public func lines(_ format: Log.Format = .text) -> [String] { records.map { $0.line(format) } }
}
