import DeployCore
import Foundation
import SlipwayApp
import SlipwaySubprocess
import SlipwayTesting
import Testing

/// `/metrics` as Prometheus scrapes it: every family well formed, and the names a platform team's dashboards use.
@Suite("GET /metrics: the exposition format and the metric names", .serialized, .harnessScope)
struct MetricsFormatTests {
    @Test(
        "after a deploy, /metrics follows the text format and has the request, build, process, outbox and DORA metrics")
    func leaderExposition() async throws {
        let h = try SlipwayHarness()
        h.startServices()
        #expect(await h.waitUntil { h.app.leadership.isLeader })
        let deploy = try await h.ciDeploy("shop", "staging", sha: "4a1b2c3d4e5f", tag: "main-4a1b2c3")
        #expect(await h.waitUntil(timeout: 30) { try h.deploy(deploy)?.state == .succeeded })
        #expect(await h.waitUntil(timeout: 30) { try h.outboxDepth() == 0 })
        _ = try await h.send(.get, "/no-such-page")

        let text = try await h.send(.get, "/metrics").bodyText
        let exposition = StrictExposition(text)
        #expect(exposition.problems.isEmpty, "\(exposition.problems.joined(separator: "\n"))")

        let version = "slipway_build_info{version=\"\(CommandLineTool.version)\"}"
        #expect(exposition.samples[version] == 1)
        #expect(exposition.types["slipway_http_request_duration_seconds"] == "histogram")
        let webhook = "route=\"/api/v1/deploy/image-built\""
        #expect(exposition.samples["slipway_http_request_duration_seconds_count{\(webhook)}"] == 1)
        #expect(exposition.samples["slipway_http_request_duration_seconds_bucket{\(webhook),le=\"3\"}"] == 1)
        #expect(exposition.samples["slipway_http_request_duration_seconds_bucket{\(webhook),le=\"+Inf\"}"] == 1)
        #expect(exposition.samples["slipway_http_requests_total{route=\"unmatched\",status=\"404\"}"] == 1)
        for name in [
            "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
            "process_start_time_seconds",
        ] {
            #expect((exposition.samples[name] ?? 0) > 0, "\(name)")
        }
        // What SQLite holds of that memory (page caches, statements): the soak's SQLite column.
        #expect((exposition.samples["slipway_sqlite_memory_bytes"] ?? 0) > 100_000)
        #expect(exposition.types["slipway_sqlite_memory_bytes"] == "gauge")
        // What the C allocator holds: live blocks (a leak grows them) and free space kept between them.
        #expect(exposition.types["slipway_heap_bytes"] == "gauge")
        let heapInUse = try #require(exposition.samples["slipway_heap_bytes{state=\"in_use\"}"])
        let resident = try #require(exposition.samples["process_resident_memory_bytes"])
        #expect(heapInUse > 1_000_000 && heapInUse < resident, "\(heapInUse) of \(resident) resident")
        #expect(exposition.samples["slipway_heap_bytes{state=\"free\"}"] != nil)
        let started = try #require(exposition.samples["process_start_time_seconds"])
        #expect(abs(started - Date().timeIntervalSince1970) < 3600, "the start time is seconds since the epoch")

        // Outbox metrics carry every destination, delivered or not.
        for destination in [
            "deploy_message", "direct_message", "channel_message", "ephemeral", "response_url", "pagerduty",
        ] {
            let label = "{destination=\"\(destination)\"}"
            for name in [
                "slipway_outbox_pending", "slipway_outbox_failed", "slipway_outbox_deliveries_total",
                "slipway_outbox_delivery_failures_total", "slipway_outbox_delivery_duration_seconds_count",
            ] {
                #expect(exposition.samples[name + label] != nil, "\(name)\(label)")
            }
        }
        #expect((exposition.samples["slipway_outbox_deliveries_total{destination=\"deploy_message\"}"] ?? 0) >= 1)
        #expect(
            exposition.samples["slipway_outbox_delivery_duration_seconds_count{destination=\"deploy_message\"}"]
                == (exposition.samples["slipway_outbox_deliveries_total{destination=\"deploy_message\"}"] ?? 0)
                + (exposition.samples["slipway_outbox_delivery_failures_total{destination=\"deploy_message\"}"] ?? 0))
        #expect(exposition.samples["slipway_dora_deploys"] == 1)
        #expect(exposition.samples["slipway_dora_change_failure_ratio"] == 0)
        #expect(exposition.samples["slipway_leader"] == 1)

        if let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        }) {
            let file = NSTemporaryDirectory() + "slipway-metrics-\(UUID().uuidString).txt"
            TestScope.removeOnExit(file)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            let check = try Subprocess.run(
                "/bin/sh", ["-c", "\(promtool) check metrics < \"$1\"", "sh", file], mergeStandardError: true)
            #expect(check.status == 0, "promtool check metrics:\n\(check.stdoutText)")
        }
    }

    @Test("a replica that does not lead leaves out the figures read from the shared store (DORA, outbox backlog)")
    func followerOmitsSharedFigures() async throws {
        // Before its services run, the process does not lead: exactly what a follower replica serves.
        let h = try SlipwayHarness()
        let follower = StrictExposition(try await h.send(.get, "/metrics").bodyText)
        #expect(follower.problems.isEmpty, "\(follower.problems.joined(separator: "\n"))")
        #expect(follower.samples["slipway_leader"] == 0)
        let shared = follower.types.keys.filter { $0.hasPrefix("slipway_dora_") || $0 == "slipway_outbox_pending" }
        #expect(shared.isEmpty, "a follower exports \(shared.sorted())")
        // What every replica counts for itself is still there.
        #expect(follower.types["slipway_outbox_deliveries_total"] == "counter")
        #expect(follower.types["slipway_http_request_duration_seconds"] == "histogram")

        h.startServices()
        #expect(await h.waitUntil { h.app.leadership.isLeader })
        let leader = StrictExposition(try await h.send(.get, "/metrics").bodyText)
        #expect(leader.samples["slipway_leader"] == 1)
        #expect(leader.samples["slipway_dora_change_failure_ratio"] == 0)
        #expect(leader.samples["slipway_outbox_pending{destination=\"deploy_message\"}"] != nil)
    }

    @Test(
        "two replicas on PostgreSQL: only the leader exports DORA gauges, so sum() over both counts each deploy once",
        .enabled(if: !TestPostgres.isSkipped, "SLIPWAY_SKIP_POSTGRES=1"))
    func twoReplicasDoNotDoubleCount() async throws {
        let database = try TestPostgres.makeDatabase()
        defer { database.drop() }
        let first = try SlipwayHarness(databaseURL: database.url)
        let second = try SlipwayHarness(databaseURL: database.url)
        first.startServices()
        second.startServices()
        #expect(await first.waitUntil { first.app.leadership.isLeader != second.app.leadership.isLeader })
        let (leader, follower) = first.app.leadership.isLeader ? (first, second) : (second, first)
        let deploy = try await follower.ciDeploy("shop", "staging", sha: "4a1b2c3d4e5f", tag: "main-4a1b2c3")
        #expect(await leader.waitUntil(timeout: 30) { try leader.deploy(deploy)?.state == .succeeded })

        var total = 0.0
        for replica in [leader, follower] {
            let exposition = StrictExposition(try await replica.send(.get, "/metrics").bodyText)
            #expect(exposition.problems.isEmpty, "\(exposition.problems.joined(separator: "\n"))")
            total += exposition.samples["slipway_dora_deploys"] ?? 0
        }
        #expect(total == 1)
        await first.stop()
        await second.stop()
    }

    @Test("the strict parser catches what Prometheus rejects")
    func parserCatchesMistakes() {
        let broken = """
            # HELP a_total Things.
            # TYPE a_total counter
            a_total 1
            b 2
            # HELP h Latency.
            # TYPE h histogram
            h_bucket{le="0.1"} 3
            h_bucket{le="1"} 2
            h_bucket{le="+Inf"} 4
            h_sum 1
            h_count 5
            # TYPE c_total counter
            c_total{x="1} 1

            """
        let problems = StrictExposition(broken).problems.joined(separator: "\n")
        #expect(problems.contains("b: sample without TYPE"))
        #expect(problems.contains("h: buckets not cumulative"))
        #expect(problems.contains("h: +Inf bucket 4 != count 5"))
        #expect(problems.contains("c_total: no HELP"))
        #expect(problems.contains("bad labels"))
        #expect(StrictExposition("# HELP a_total A.\n# TYPE a_total counter\na_total 1\n").problems.isEmpty)
    }
}

/// The Prometheus text format (0.0.4), checked as strictly as Prometheus parses it, plus the conventions its
/// `promtool check metrics` lints: every family has one HELP and one TYPE before its samples and its samples
/// together; names and labels are valid; counters end in `_total`; histogram buckets are cumulative, end with
/// `le="+Inf"` and equal `_count`, with a `_sum`.
struct StrictExposition {
    var samples: [String: Double] = [:]
    var types: [String: String] = [:]
    var problems: [String] = []

    init(_ text: String) {
        var helps: Set<String> = []
        var finished: Set<String> = []
        var current: String?
        /// Histogram series: family → labels without `le` → [(le, value)], plus count and sum.
        var buckets: [String: [String: [(Double, Double)]]] = [:]
        var counts: [String: [String: Double]] = [:]
        var sums: [String: Set<String>] = [:]
        if !text.hasSuffix("\n") { problems.append("does not end with a newline") }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 4, Self.isName(parts[2]) else {
                    problems.append("bad comment line: \(line)")
                    continue
                }
                let name = parts[2]
                if name != current {
                    if finished.contains(name) { problems.append("\(name): family split in two") }
                    if let current { finished.insert(current) }
                    current = name
                }
                if parts[1] == "HELP" {
                    if !helps.insert(name).inserted { problems.append("\(name): HELP repeated") }
                } else {
                    if types[name] != nil { problems.append("\(name): TYPE repeated") }
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) {
                        problems.append("\(name): unknown type \(parts[3])")
                    }
                    if samples.keys.contains(where: { Self.family(of: $0, types: types) == name }) {
                        problems.append("\(name): TYPE after samples")
                    }
                    types[name] = parts[3]
                    if parts[3] == "counter" && !name.hasSuffix("_total") {
                        problems.append("\(name): counter without _total")
                    }
                }
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let space = line.lastIndex(of: " ") else {
                problems.append("no value: \(line)")
                continue
            }
            let series = String(line[..<space])
            let valueText = String(line[line.index(after: space)...])
            guard let value = Double(valueText) ?? (valueText == "+Inf" ? .infinity : nil) else {
                problems.append("bad value: \(line)")
                continue
            }
            let name = String(series.prefix { $0 != "{" })
            guard Self.isName(name), let labels = Self.labels(String(series.dropFirst(name.count))) else {
                problems.append("bad labels: \(line)")
                continue
            }
            guard let family = Self.family(of: name, types: types) else {
                problems.append("\(name): sample without TYPE")
                continue
            }
            if family != current { problems.append("\(family): sample outside its family") }
            if samples[series] != nil { problems.append("repeated series: \(series)") }
            samples[series] = value
            if types[family] == "histogram" {
                let key = labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: ",")
                if name.hasSuffix("_bucket") {
                    guard let le = labels["le"], let bound = le == "+Inf" ? .infinity : Double(le) else {
                        problems.append("\(family): bucket without le: \(line)")
                        continue
                    }
                    buckets[family, default: [:]][key, default: []].append((bound, value))
                } else if name.hasSuffix("_count") {
                    counts[family, default: [:]][key] = value
                } else if name.hasSuffix("_sum") {
                    sums[family, default: []].insert(key)
                } else {
                    problems.append("\(family): histogram sample \(name)")
                }
            }
        }
        for (family, type) in types {
            if !helps.contains(family) { problems.append("\(family): no HELP") }
            guard type == "histogram" else { continue }
            for (key, series) in buckets[family] ?? [:] {
                let bounds = series.map(\.0)
                if bounds != bounds.sorted() || Set(bounds).count != bounds.count {
                    problems.append("\(family): le not increasing {\(key)}")
                }
                if zip(series, series.dropFirst()).contains(where: { $0.1 > $1.1 }) {
                    problems.append("\(family): buckets not cumulative {\(key)}")
                }
                guard let last = series.last, last.0 == .infinity else {
                    problems.append("\(family): no +Inf bucket {\(key)}")
                    continue
                }
                let count = counts[family]?[key]
                if count != last.1 {
                    problems.append(
                        "\(family): +Inf bucket \(Int(last.1)) != count \(count.map { "\(Int($0))" } ?? "missing")")
                }
                if sums[family]?.contains(key) != true { problems.append("\(family): no _sum {\(key)}") }
            }
        }
    }

    /// The family a sample belongs to: its name, or the histogram or summary it is a part of.
    private static func family(of name: String, types: [String: String]) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    private static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" || first == ":"
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == ":")
        }
    }

    /// `{a="x",b="y"}` as a dictionary; nil when malformed (bad name, unquoted value, bad escape).
    private static func labels(_ text: String) -> [String: String]? {
        if text.isEmpty { return [:] }
        guard text.hasPrefix("{"), text.hasSuffix("}") else { return nil }
        var result: [String: String] = [:]
        var rest = Substring(text.dropFirst().dropLast())
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let name = String(rest[..<equals])
            guard isName(name), !name.contains(":"), result[name] == nil else { return nil }
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var value = ""
            var closed = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "\"" {
                    closed = true
                    break
                }
                if character == "\\" {
                    guard let escaped = rest.first, ["\\", "\"", "n"].contains(escaped) else { return nil }
                    value.append(escaped == "n" ? "\n" : escaped)
                    rest = rest.dropFirst()
                } else {
                    value.append(character)
                }
            }
            guard closed else { return nil }
            result[name] = value
            if rest.first == "," { rest = rest.dropFirst() } else if !rest.isEmpty { return nil }
        }
        return result
    }
}
