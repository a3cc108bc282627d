import DeployCore
import Foundation
import SlipwayHTTP
import SlipwaySlack

/// `slipway` command-line entry: `serve`, `check-config`, `try`, `slack-manifest`, `version`, …
public enum CommandLineTool {
    public static let version = "0.1.0"

    /// One subcommand's line in `slipway --help`, and its own `--help`.
    struct Subcommand {
        var name: String
        /// Its arguments, e.g. `--config FILE`.
        var arguments: String
        var summary: String
    }

    /// Every subcommand, in the order `slipway --help` lists them.
    static let subcommands: [Subcommand] = [
        Subcommand(name: "serve", arguments: "--config FILE", summary: "run the bot"),
        Subcommand(
            name: "check-config", arguments: "--config FILE",
            summary: "validate a config and that its secret variables are set"),
        Subcommand(
            name: "try", arguments: "--config FILE '/deploy shop staging' [--as USER] [--channel ID]",
            summary: "sign a slash command, send it to the running server, print the reply"),
        Subcommand(
            name: "slack-manifest", arguments: "--config FILE --url https://HOST",
            summary: "print the Slack app manifest for the config, with request URLs under HOST"),
        Subcommand(
            name: "rbac", arguments: "--config FILE",
            summary: "print the Kubernetes Role and RoleBinding the config needs"),
        Subcommand(
            name: "healthcheck", arguments: "--config FILE [--timeout SECONDS]",
            summary: "exit 0 when the server's /ready answers 200 (container HEALTHCHECK)"),
        Subcommand(name: "version", arguments: "", summary: "print the version"),
    ]

    static var usage: String {
        var text = "usage: slipway <command> [options]\n"
        for command in subcommands {
            let line = "  \(command.name) \(command.arguments)"
            // Long argument lists put the summary on the next line, in the same column.
            text +=
                line.count < 38
                ? line.padding(toLength: 38, withPad: " ", startingAt: 0)
                : line + "\n" + String(repeating: " ", count: 38)
            text += command.summary + "\n"
        }
        return text + "run `slipway <command> --help` for one command"
    }

    /// `slipway <command> --help`.
    static func usage(of command: Subcommand) -> String {
        "usage: slipway \(command.name) \(command.arguments)\n  \(command.summary)"
    }

    /// A usage problem: printed as one line, exit status 2.
    struct UsageError: Error {
        var message: String
    }

    /// Runs the tool and returns the process exit status.
    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        do {
            return try await run(arguments, environment: environment)
        } catch let error as UsageError {
            printError("slipway: \(error.message)")
            return 2
        } catch let error as ConfigError {
            printError("slipway: config: \(error)")
            return 2
        } catch {
            printError("slipway: \(error)")
            return 1
        }
    }

    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        guard let command = arguments.first else { throw UsageError(message: "missing command; try `slipway help`") }
        let rest = Array(arguments.dropFirst())
        // `--help` or `-h` anywhere after a known command prints its usage, whatever else was given.
        if let known = subcommands.first(where: { $0.name == command }), rest.contains("--help") || rest.contains("-h")
        {
            print(usage(of: known))
            return 0
        }
        switch command {
        case "version", "--version":
            try expectNoArguments(rest)
            print("slipway \(version)")
            return 0
        case "help", "--help", "-h":
            if let name = rest.first {
                guard let known = subcommands.first(where: { $0.name == name }) else {
                    throw UsageError(message: "no command `\(name)`; try `slipway help`")
                }
                print(usage(of: known))
            } else {
                print(usage)
            }
            return 0
        case "check-config":
            let options = try parse(rest, flags: ["--config"], positional: 0)
            let path = try require(options, "--config")
            let config = try ConfigLoader.load(path: path)
            guard reportsNoMissingSecrets(config, environment) else { return 2 }
            let services = config.catalog.services.count
            let envs = config.catalog.services.values.reduce(0) { $0 + $1.environments.count }
            print("\(path): ok (\(services) services, \(envs) environments)")
            return 0
        case "serve":
            let options = try parse(rest, flags: ["--config"], positional: 0)
            let path = try require(options, "--config")
            let config = try ConfigLoader.load(path: path)
            guard reportsNoMissingSecrets(config, environment) else { return 2 }
            let secrets = try Application.Secrets.load(config, environment: environment)
            let app = try Application(config: config, secrets: secrets, options: .init(log: Log(config.logging)))
            try await app.serveUntilSignalled()
            return 0
        case "try":
            let options = try parse(rest, flags: ["--config", "--as", "--channel"], positional: 1)
            let path = try require(options, "--config")
            let config = try ConfigLoader.load(path: path)
            guard let secret = environment[config.slack.signingSecretEnv], !secret.isEmpty else {
                throw ConfigError(
                    path: "slack.signingSecretEnv",
                    problem:
                        "environment variable \(config.slack.signingSecretEnv) is not set; export the signing secret")
            }
            return try tryCommand(
                options.positional[0], config: config, secret: secret, user: options.values["--as"] ?? "U0SLIPWAYCLI",
                channel: options.values["--channel"] ?? config.slack.deployChannel)
        case "slack-manifest":
            let options = try parse(rest, flags: ["--config", "--url"], positional: 0)
            let config = try ConfigLoader.load(path: try require(options, "--config"))
            let url = options.values["--url"].flatMap { $0.isEmpty ? nil : $0 }
            guard url != nil || config.slack.socketMode != nil else {
                throw UsageError(message: "missing --url https://HOST (the address Slack reaches Slipway at)")
            }
            do {
                print(try SlackManifest.render(for: config, baseURL: url), terminator: "")
            } catch {
                throw UsageError(message: error.description)
            }
            return 0
        case "healthcheck":
            return try HealthCheck.run(rest)
        case "rbac":
            let options = try parse(rest, flags: ["--config"], positional: 0)
            let path = try require(options, "--config")
            print(try RBACManifest(config: ConfigLoader.load(path: path)).yaml(configPath: path), terminator: "")
            return 0
        case "bench", "bench-watch":
            // The benchmarks ship in their own binary; the product binary carries no benchmark or test code.
            throw UsageError(
                message: "unknown command `\(command)`; the benchmarks are in `slipway-bench` (`make bench`)")
        default:
            let known = subcommands.map(\.name) + ["help"]
            let hint = Suggestion.closest(to: command, among: known).map { " (did you mean `\($0)`?)" } ?? ""
            throw UsageError(message: "unknown command `\(command)`\(hint); try `slipway help`")
        }
    }

    struct ParsedOptions {
        var values: [String: String] = [:]
        var positional: [String] = []
    }

    static func parse(_ args: [String], flags: Set<String>, positional: Int) throws -> ParsedOptions {
        var result = ParsedOptions()
        var i = 0
        while i < args.count {
            let arg = args[i]
            if arg.hasPrefix("--") {
                var name = arg
                var value: String?
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    value = String(arg[arg.index(after: eq)...])
                }
                guard flags.contains(name) else {
                    let hint = Suggestion.closest(to: name, among: flags).map { " (did you mean \($0)?)" } ?? ""
                    throw UsageError(message: "unknown option \(name)\(hint)")
                }
                if value == nil {
                    guard i + 1 < args.count else { throw UsageError(message: "option \(name) needs a value") }
                    value = args[i + 1]
                    i += 1
                }
                result.values[name] = value
            } else {
                result.positional.append(arg)
            }
            i += 1
        }
        guard result.positional.count == positional else {
            throw UsageError(
                message: positional == 0
                    ? "unexpected argument `\(result.positional[0])`"
                    : "expected \(positional) argument(s), got \(result.positional.count); quote the slash command: '/deploy shop staging'"
            )
        }
        return result
    }

    static func require(_ options: ParsedOptions, _ flag: String) throws -> String {
        guard let value = options.values[flag], !value.isEmpty else {
            throw UsageError(message: "missing \(flag) FILE")
        }
        return value
    }

    static func expectNoArguments(_ args: [String]) throws {
        if let first = args.first { throw UsageError(message: "unexpected argument `\(first)`") }
    }

    static func positiveInt(_ text: String, _ flag: String) throws -> Int {
        guard let n = Int(text), n > 0 else {
            throw UsageError(message: "\(flag) needs a positive number, got `\(text)`")
        }
        return n
    }

    static func tryCommand(_ line: String, config: SlipwayConfig, secret: String, user: String, channel: String) throws
        -> Int32
    {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("/") else {
            throw UsageError(message: "the command must start with /, e.g. '/deploy shop staging'")
        }
        let command = String(trimmed.prefix { $0 != " " })
        let text = String(trimmed.dropFirst(command.count)).trimmingCharacters(in: .whitespaces)
        let fields: [(String, String)] = [
            ("token", "slipway-try"), ("team_id", config.slack.teamId ?? "T0SLIPWAY"), ("team_domain", "slipway-try"),
            ("channel_id", channel), ("channel_name", "slipway-try"), ("user_id", user), ("user_name", user),
            ("command", command), ("text", text), ("response_url", "slipway-try:none"), ("trigger_id", "try"),
        ]
        let body = FormEncoder.encode(fields)
        let verifier = SlackRequestVerifier(signingSecret: secret)
        var headers = verifier.signedHeaders(body: body, timestamp: Int64(Date().timeIntervalSince1970))
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let host = config.server.host == "0.0.0.0" || config.server.host == "::" ? "127.0.0.1" : config.server.host
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(config.server.port)/slack/commands"
        let response: HTTPResponse
        do {
            response = try CurlHTTPClient().send(
                HTTPClientRequest(method: .post, url: url, headers: headers, body: body, timeout: 5))
        } catch {
            // Not a usage mistake: the command was fine, the server was not there.
            printError("slipway: cannot reach Slipway at \(url): \(error); is `slipway serve` running?")
            return 1
        }
        guard response.status == 200 else {
            var line = "HTTP \(response.status): \(response.bodyText)"
            if response.status == 401, response.bodyText.contains("signature") {
                line +=
                    "\nslipway try signs with $\(config.slack.signingSecretEnv) (slack.signingSecretEnv); it must hold the"
                line += " secret the server was started with"
            }
            printError(line)
            return 1
        }
        print(SlackReplyText.render(json: response.body))
        return 0
    }

    /// Prints every configured secret variable that is unset, one `slipway: config: path: problem` line each, so an
    /// operator fixes them all in one go. - Returns: whether none was missing.
    static func reportsNoMissingSecrets(_ config: SlipwayConfig, _ environment: [String: String]) -> Bool {
        let missing = config.missingSecrets(in: environment)
        for problem in missing { printError("slipway: config: \(problem)") }
        return missing.isEmpty
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
