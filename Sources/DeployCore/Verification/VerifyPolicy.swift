import Foundation

/// Where Slipway asks for metrics: the top-level `prometheus` section.
public struct PrometheusSettings: Sendable, Equatable {
    /// Base URL of the Prometheus HTTP API (without `/api/v1`).
    public var url: String
    /// Environment variable holding a bearer token, if Prometheus needs one.
    public var tokenEnv: String?

    public init(url: String, tokenEnv: String? = nil) {
        self.url = url
        self.tokenEnv = tokenEnv
    }
}

/// How an environment's deploys are verified against metrics during the verification (stability) window:
/// `services.<service>.environments.<env>.verify`.
public struct VerifyPolicy: Sendable, Equatable {
    /// Seconds between two samples of every check.
    public var intervalSeconds: Double
    /// Consecutive failing samples of one check that fail the deploy.
    public var failureLimit: Int
    public var checks: [VerificationCheck]

    public init(intervalSeconds: Double = 30, failureLimit: Int = 1, checks: [VerificationCheck]) {
        self.intervalSeconds = intervalSeconds
        self.failureLimit = failureLimit
        self.checks = checks
    }

    /// Whether any check asks Prometheus.
    public var usesPrometheus: Bool {
        checks.contains { if case .prometheus = $0.probe { true } else { false } }
    }
}

/// One named check of a verification.
public struct VerificationCheck: Sendable, Equatable {
    /// The bound a Prometheus value must keep.
    public enum Limit: Sendable, Equatable {
        /// The value must not exceed this.
        case max(Double)
        /// The value must not fall below this.
        case min(Double)
    }

    /// How a value is shown: `0.042` as `4.2%`, `0.42` as `0.42 s`, or as it is.
    public enum Unit: String, Sendable, Equatable, CaseIterable {
        case ratio, seconds, number
    }

    public enum Probe: Sendable, Equatable {
        /// An instant PromQL query with `$variables`, whose single value is held to `limit`.
        case prometheus(query: String, limit: Limit)
        /// A GET that must answer `expectStatus`.
        case http(url: String, expectStatus: Int)
    }

    public var name: String
    public var probe: Probe
    public var unit: Unit

    public init(name: String, probe: Probe, unit: Unit? = nil) {
        self.name = name
        self.probe = probe
        self.unit = unit ?? Self.defaultUnit(name: name, probe: probe)
    }

    /// A ratio when the name says so ("error ratio", "error rate"), seconds for latency names, else a number.
    static func defaultUnit(name: String, probe: Probe) -> Unit {
        guard case .prometheus = probe else { return .number }
        let lower = name.lowercased()
        if lower.contains("ratio") || lower.contains("rate") || lower.contains("percent") { return .ratio }
        if lower.contains("latency") || lower.hasPrefix("p9") || lower.hasPrefix("p5") || lower.contains("seconds") {
            return .seconds
        }
        return .number
    }

    /// Whether `value` keeps the limit.
    public func passes(_ value: Double) -> Bool {
        switch probe {
        case .prometheus(_, .max(let max)): value <= max
        case .prometheus(_, .min(let min)): value >= min
        case .http(_, let expected): Int(value) == expected
        }
    }

    /// "≤ 1%", "≥ 50", "HTTP 200".
    public var limitText: String {
        switch probe {
        case .prometheus(_, .max(let max)): "≤ \(format(max))"
        case .prometheus(_, .min(let min)): "≥ \(format(min))"
        case .http(_, let status): "HTTP \(status)"
        }
    }

    /// A value as this check shows it: `4.2%`, `0.42 s`, `HTTP 503`.
    public func format(_ value: Double) -> String {
        if case .http = probe { return "HTTP \(Int(value))" }
        switch unit {
        case .ratio: return Self.short(value * 100) + "%"
        case .seconds: return Self.short(value) + " s"
        case .number: return Self.short(value)
        }
    }

    /// At most three significant digits, no trailing zeros: 4.2, 0.0123, 1200.
    static func short(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        let magnitude = abs(value) >= 1 ? Int(log10(abs(value))) + 1 : 0
        let decimals = max(0, min(6, 3 - magnitude + (abs(value) < 1 ? Int(-log10(abs(value))) : 0)))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// The query or URL, for messages.
    public var source: String {
        switch probe {
        case .prometheus(let query, _): query
        case .http(let url, _): url
        }
    }
}
