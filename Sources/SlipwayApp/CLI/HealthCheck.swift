import DeployCore
import Foundation
import SlipwayHTTP

/// `slipway healthcheck --config FILE [--timeout SECONDS]`: the container's health check (the Dockerfile's
/// `HEALTHCHECK`). Asks the running server's `/ready` (on `server.adminPort` when set) and exits 0 on 200, else 1
/// with one line saying why. Never 2: Docker reserves that exit status.
enum HealthCheck {
    /// Runs the check. - Returns: the exit status.
    /// - Throws: `CommandLineTool.UsageError` for a bad command line (exit 2, as for every command).
    static func run(_ arguments: [String]) throws -> Int32 {
        let options = try CommandLineTool.parse(arguments, flags: ["--config", "--timeout"], positional: 0)
        let path = try CommandLineTool.require(options, "--config")
        var timeout = 5.0
        if let text = options.values["--timeout"] {
            guard let seconds = Double(text), seconds > 0, seconds <= 300 else {
                throw CommandLineTool.UsageError(message: "--timeout needs seconds between 0 and 300, got `\(text)`")
            }
            timeout = seconds
        }
        let config: SlipwayConfig
        do {
            config = try ConfigLoader.load(path: path)
        } catch {
            return fail("config: \(error)")
        }
        let url = readyURL(config.server)
        let response: HTTPResponse
        do {
            response = try CurlHTTPClient().send(HTTPClientRequest(method: .get, url: url, timeout: timeout))
        } catch {
            return fail("cannot reach \(url): \(error)")
        }
        guard response.status == 200 else {
            let body = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            return fail("\(url) answered HTTP \(response.status)\(body.isEmpty ? "" : ": \(body.prefix(200))")")
        }
        print("slipway healthcheck: \(url) answered 200")
        return 0
    }

    /// `/ready` of the server `server` configures, on the admin port when there is one. A server listening on every
    /// address (`0.0.0.0`, `::`) is asked on loopback.
    static func readyURL(_ server: SlipwayConfig.Server) -> String {
        let host: String =
            switch server.host {
            case "0.0.0.0", "": "127.0.0.1"
            case "::", "[::]": "::1"
            default: server.host
            }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "http://\(bracketed):\(server.adminPort ?? server.port)/ready"
    }

    private static func fail(_ reason: String) -> Int32 {
        CommandLineTool.printError("slipway healthcheck: \(reason.replacingOccurrences(of: "\n", with: " "))")
        return 1
    }
}
