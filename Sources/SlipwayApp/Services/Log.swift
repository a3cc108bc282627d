import DeployCore
import Foundation
import SlipwaySlack

/// A minimal logger writing one line per event to standard error, as text or as one JSON object per line (for log
/// pipelines). Never give it secrets.
public struct Log: Sendable {
    public typealias Level = SlipwayConfig.Logging.Level
    public typealias Format = SlipwayConfig.Logging.Format

    public var minimum: Level
    public var label: String
    public var format: Format

    public init(label: String = "slipway", minimum: Level = .info, format: Format = .text) {
        self.label = label
        self.minimum = minimum
        self.format = format
    }

    /// The logger the configuration's `log` section asks for.
    public init(_ logging: SlipwayConfig.Logging) {
        self.init(minimum: logging.level, format: logging.format)
    }

    public func debug(_ message: @autoclosure () -> String) { write(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { write(.error, message()) }

    private func write(_ level: Level, _ message: String) {
        guard level >= minimum else { return }
        FileHandle.standardError.write(Data(line(level, message, at: Date()).utf8))
    }

    /// One log line, newline included.
    func line(_ level: Level, _ message: String, at date: Date) -> String {
        let stamp = date.formatted(.iso8601)
        switch format {
        case .text:
            return "\(stamp) \(level.rawValue) \(label): \(message)\n"
        case .json:
            var json = JSONWriter(capacity: message.utf8.count + 96)
            json.beginObject()
            json.field("time", stamp)
            json.field("level", level.rawValue)
            json.field("logger", label)
            json.field("message", message)
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self) + "\n"
        }
    }
}
