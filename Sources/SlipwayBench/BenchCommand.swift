import Foundation

/// `slipway-bench` command line: `deploy` (approval → commit, webhooks persisted, the signed ack), `watch` (the
/// rollout monitor against a simulated cluster) and `outbox` (a page's latency behind a busy outbox). Usage problems print one line and exit 2, as `slipway` does.
enum BenchCommand {
    static let usage = """
        usage: slipway-bench <benchmark> [options]
          deploy [--requests N] [--deploys N]  approval-to-commit, webhook-persistence and ack benchmarks
          watch [--services N] [--in-flight N] [--cycles N] [--samples N] [--clusters N]
                                               rollout watch benchmark against the fake Kubernetes API server
          slowloris [--slow N] [--idle N] [--requests N] [--per-client N]
                                               signed /status p99 from 127.0.0.2 while 127.0.0.1 holds slow and
                                               idle connections (goal: p99 ≤ 50 ms with 2,000 + 2,000)
          outbox [--posts N] [--hangers N]     page and on-call DM latency with channel posts queued and
                                               response_urls hanging
          soak [--seconds N] [--sample N] [--warm-up N]
                                               a real `slipway serve` under a steady mix of commands, webhooks and
                                               deploys: RSS, file descriptors and outbox depth over time
          verify [--runs N] [--interval S] [--window S]
                                               autoRollback against a real Prometheus: first failing sample →
                                               rollback commit on the remote (goal ≤ interval + 2 s), queries
                                               per verified deploy
          socket-mode [--envelopes N] [--reconnects N]
                                               Slack Socket Mode: envelope → ack latency and reconnect time
        """

    struct UsageError: Error {
        var message: String
    }

    static func main(_ arguments: [String]) async -> Int32 {
        do {
            return try await run(arguments)
        } catch let error as UsageError {
            printError("slipway-bench: \(error.message)")
            return 2
        } catch {
            printError("slipway-bench: \(error)")
            return 1
        }
    }

    static func run(_ arguments: [String]) async throws -> Int32 {
        guard let command = arguments.first else {
            throw UsageError(message: "missing benchmark; try `slipway-bench help`")
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "help", "--help", "-h":
            print(usage)
            return 0
        case "deploy":
            let options = try parse(rest, flags: ["--requests", "--deploys"])
            try await Bench.run(
                requests: options["--requests"] ?? 20_000, deploys: options["--deploys"] ?? 20)
            return 0
        case "watch":
            let options = try parse(rest, flags: ["--services", "--in-flight", "--cycles", "--samples", "--clusters"])
            try await WatchBench.run(
                services: options["--services"] ?? 1000, inFlight: options["--in-flight"] ?? 50,
                cycles: options["--cycles"] ?? 20, samples: options["--samples"] ?? 10,
                clusters: options["--clusters"] ?? 3)
            return 0
        case "slowloris":
            let options = try parse(rest, flags: ["--slow", "--idle", "--requests", "--per-client"])
            try await SlowlorisBench.run(
                slow: options["--slow"] ?? 2000, idle: options["--idle"] ?? 2000,
                requests: options["--requests"] ?? 200,
                perClientLimit: options["--per-client"])
            return 0
        case "outbox":
            let options = try parse(rest, flags: ["--posts", "--hangers"])
            try await OutboxBench.run(posts: options["--posts"] ?? 30, hangers: options["--hangers"] ?? 3)
            return 0
        case "verify":
            let options = try parse(rest, flags: ["--runs", "--interval", "--window"])
            try await VerifyBench.run(
                runs: options["--runs"] ?? 10, intervalSeconds: Double(options["--interval"] ?? 1),
                windowSeconds: Double(options["--window"] ?? 8))
            return 0
        case "socket-mode":
            let options = try parse(rest, flags: ["--envelopes", "--reconnects"])
            try await SocketModeBench.run(
                envelopes: options["--envelopes"] ?? 500, reconnects: options["--reconnects"] ?? 20)
            return 0
        case "soak":
            let options = try parse(rest, flags: ["--seconds", "--sample", "--warm-up"])
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("slipway").path
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw UsageError(message: "soak needs the `slipway` product built next to slipway-bench (\(binary))")
            }
            let seconds = options["--seconds"] ?? 600
            try await SoakBench.run(
                seconds: seconds, sampleSeconds: options["--sample"] ?? 30,
                warmUpSeconds: options["--warm-up"] ?? min(300, seconds / 2), binary: binary)
            return 0
        default:
            throw UsageError(message: "unknown benchmark `\(command)`; try `slipway-bench help`")
        }
    }

    /// `--flag N` or `--flag=N` pairs, each a positive number.
    static func parse(_ arguments: [String], flags: Set<String>) throws -> [String: Int] {
        var values: [String: Int] = [:]
        var index = 0
        while index < arguments.count {
            var name = arguments[index]
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard flags.contains(name) else { throw UsageError(message: "unknown option \(name)") }
            if value == nil {
                guard index + 1 < arguments.count else { throw UsageError(message: "option \(name) needs a value") }
                index += 1
                value = arguments[index]
            }
            guard let text = value, let number = Int(text), number > 0 else {
                throw UsageError(message: "\(name) needs a positive number, got `\(value ?? "")`")
            }
            values[name] = number
            index += 1
        }
        return values
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
