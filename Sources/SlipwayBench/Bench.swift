// swift-format-ignore-file
import DeployCore
import Foundation
import SlipwayApp
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwaySubprocess

/// In-process benchmarks (`slipway-bench deploy`): approval click → commit on the bare remote, and CI webhooks persisted
/// per second on SQLite. Each prints its baseline measured in the same run.
enum Bench {
    static func run(requests: Int, deploys: Int) async throws {
        let dir = NSTemporaryDirectory() + "slipway-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let remote = dir + "/gitops.git"
        try shell(["scripts/demo-gitops.sh", remote])
        let config = try ConfigLoader.parse(Data(configJSON(dir: dir, remote: remote).utf8))
        let secrets = try Application.Secrets.load(
            config, environment: ["S": "bench", "B": "xoxb-bench", "W": "bench-webhook"])
        let app = try Application(
            config: config, secrets: secrets, options: .init(channelPaceSeconds: 0, log: Log(minimum: .error)))
        try await app.gitops.prepare()

        // 1. Approval click → commit on the remote.
        var latencies: [Double] = []
        for i in 0..<deploys {
            let deploy = Deploy(
                id: Identifiers.deployId(), service: "shop", environment: "prod", kind: .deploy, source: .slack,
                targetTag: "main-\(String(format: "%07x", 0x100000 + i))", requestedBy: "U0ALICE", createdAt: Date())
            let created = try app.coordinator.create(deploy, requiresApproval: true, origin: "bench")
            let start = Date()
            _ = try await app.coordinator.apply(.approve(by: "U0DANA"), deployId: created.id, actor: "U0DANA")
            await app.worker.processOnce()
            guard try app.store.read({ r in try r.deploy(id: created.id) })?.gitCommit != nil else {
                throw Failure(message: "deploy \(created.id) was not committed")
            }
            latencies.append(Date().timeIntervalSince(start) * 1000)
        }
        let baselineStart = Date()
        for _ in 0..<5 { try shell(["git", "--git-dir", remote, "rev-parse", "HEAD"], quiet: true) }
        let gitBaseline = Date().timeIntervalSince(baselineStart) * 1000 / 5
        latencies.sort()
        let median = latencies[latencies.count / 2]
        print(
            "approval click → commit on remote: median \(fmt(median)) ms over \(deploys) deploys (goal ≤ 150 ms); p90 \(fmt(latencies[latencies.count * 9 / 10])) ms"
        )
        print("  baseline: one `git rev-parse` process \(fmt(gitBaseline)) ms; ratio \(fmt(median / gitBaseline))× ")

        // 2. Distinct image-built webhooks persisted per second (SQLite), through the real handler, with as many
        // concurrent callers as the server has HTTP threads by default, and with `server.threads: 4`.
        let endpoint = ImageBuiltEndpoint(secret: "bench-webhook", coordinator: app.coordinator, policy: config.policy)
        let defaultThreads = HTTPServer.Configuration.defaultThreadCount
        var offset = 0
        for threads in Set([defaultThreads, 4]).sorted() {
            let bodies = webhookRequests(count: requests, offset: offset)
            offset += requests
            let rate = webhookRate(endpoint: endpoint, requests: bodies, threads: threads)
            // Baseline: the same number of HMAC verifications alone (the part that is not storage).
            let key = HMACKey(Array("bench-webhook".utf8))
            let hmacStart = Date()
            for request in bodies { _ = key.authenticate(request.body) }
            let hmacRate = Double(requests) / Date().timeIntervalSince(hmacStart)
            let label = threads == defaultThreads ? "the default server.threads" : "server.threads: \(threads)"
            print(
                "image-built webhooks persisted: \(Int(rate))/s (\(requests) distinct, \(threads) concurrent callers as with \(label); goal ≥ 5,000/s)")
            print("  baseline: HMAC verification alone \(Int(hmacRate))/s; persisted/verify ratio \(String(format: "%.4f", rate / hmacRate))")
        }

        // 3. The signed /status ack through every route's handler in-process, one thread (what the HTTP server runs
        // per request, without sockets); Benchmarks/ack.sh measures it over loopback against nginx.
        let ackRequest = signedStatusRequest(secret: "bench")
        // The same form with ssl_check=1: the handler verifies it and answers an empty 200, so it times the
        // signature check every signed request pays before any command work.
        let checkRequest = signedStatusRequest(secret: "bench", sslCheck: true)
        precondition(app.handler(ackRequest).status == 200, "signed /status was not answered 200")
        precondition(app.handler(checkRequest).status == 200, "signed ssl_check was not answered 200")
        let acks = 200_000
        func nanosPerRequest(_ request: HTTPRequest) -> Double {
            let start = Date()
            for _ in 0..<acks { _ = app.handler(request) }
            return Date().timeIntervalSince(start) * 1e9 / Double(acks)
        }
        let ackNanos = nanosPerRequest(ackRequest)
        let checkNanos = nanosPerRequest(checkRequest)
        let ackKey = HMACKey(Array("bench".utf8))
        let hmacStart = Date()
        for _ in 0..<acks { _ = ackKey.authenticate(ackRequest.body) }
        let hmacNanos = Date().timeIntervalSince(hmacStart) * 1e9 / Double(acks)
        print("signed /status handled in-process: \(Int(ackNanos)) ns per request (\(acks) requests, one thread)")
        print("  signed ssl_check (the signature check alone, same body): \(Int(checkNanos)) ns")
        print("  baseline: HMAC-SHA256 of the same body alone \(Int(hmacNanos)) ns; ratio \(fmt(ackNanos / hmacNanos))×")

        // 4. Signed commands that change something (`/deploy lock` then `/deploy unlock`, each signed afresh): the ack
        // path with its store write, where a replay check that spans replicas costs the most.
        let writes = 2_000
        var changing: [HTTPRequest] = []
        for i in 0..<writes {
            let text = i % 2 == 0 ? "lock+shop+prod+bench+\(i)" : "unlock+shop+prod"
            changing.append(signedCommand(secret: "bench", command: "%2Fdeploy", text: text, trigger: "\(i)"))
        }
        let writeStart = Date()
        for request in changing {
            let reply = app.handler(request)
            precondition(reply.status == 200 && !reply.bodyText.contains("already handled"), "a lock or unlock failed")
        }
        let writeMicros = Date().timeIntervalSince(writeStart) * 1e6 / Double(writes)
        print("signed /deploy lock and unlock handled in-process: \(fmt(writeMicros)) µs per request (\(writes), one thread)")
        print("  against the signed /status ack: ratio \(fmt(writeMicros * 1000 / ackNanos))×")
        app.server.stop()
    }

    /// A slash command signed now; `trigger` makes otherwise equal forms distinct requests.
    static func signedCommand(secret: String, command: String, text: String, trigger: String) -> HTTPRequest {
        let body = Array(
            ("token=x&team_id=T0001&team_domain=bench&channel_id=C0DEPLOYS&channel_name=deploys&user_id=U0ALICE"
                + "&user_name=alice&command=\(command)&text=\(text)"
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2%2F3&trigger_id=\(trigger)").utf8)
        var headers = SlackRequestVerifier(signingSecret: secret).signedHeaders(
            body: body, timestamp: Int64(Date().timeIntervalSince1970))
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        return HTTPRequest(method: .post, path: "/slack/commands", headers: headers, body: body)
    }

    /// A `/status shop prod` slash command signed now, with the headers Slack sends; with `sslCheck`, the same form
    /// marked `ssl_check=1`.
    static func signedStatusRequest(secret: String, sslCheck: Bool = false) -> HTTPRequest {
        let body = Array(
            ((sslCheck ? "ssl_check=1&" : "") + "token=x&team_id=T0001&team_domain=bench&channel_id=C0DEPLOYS&channel_name=deploys&user_id=U0ALICE"
                + "&user_name=alice&command=%2Fstatus&text=shop+prod"
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1%2F2%2F3&trigger_id=1.2.3").utf8)
        var headers = SlackRequestVerifier(signingSecret: secret).signedHeaders(
            body: body, timestamp: Int64(Date().timeIntervalSince1970))
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "User-Agent", value: "Slackbot 1.0 (+https://api.slack.com/robots)")
        return HTTPRequest(method: .post, path: "/slack/commands", headers: headers, body: body)
    }

    static func webhookRequests(count: Int, offset: Int) -> [HTTPRequest] {
        (0..<count).map { n in
            let i = n + offset
            let body = Array(
                #"{"repo":"nortinia-ltd/shop","sha":"\#(String(format: "%040x", i + 1))","tag":"main-\#(String(format: "%07x", i + 1))","env":"staging","author":{"name":"A","email":"a@example.com"}}"#
                    .utf8)
            let signature = "sha256=" + HMAC.sha256Hex(key: "bench-webhook", message: body)
            return HTTPRequest(
                method: .post, path: "/api/v1/deploy/image-built", headers: ["X-Slipway-Signature": signature],
                body: body)
        }
    }

    /// Webhooks per second with `threads` threads calling the handler, each on its own share of the requests.
    static func webhookRate(endpoint: ImageBuiltEndpoint, requests: [HTTPRequest], threads: Int) -> Double {
        let start = Date()
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            let thread = Thread {
                var i = t
                while i < requests.count {
                    let status = endpoint.handle(requests[i]).status
                    precondition(status == 202 || status == 200, "webhook answered \(status)")
                    i += threads
                }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return Double(requests.count) / Date().timeIntervalSince(start)
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func fmt(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    static func shell(_ arguments: [String], quiet: Bool = false) throws {
        let result = try Subprocess.run(arguments[0], Array(arguments.dropFirst()), mergeStandardError: true)
        if !quiet { print(result.stdoutText, terminator: "") }
        guard result.succeeded else {
            throw Failure(message: "\(arguments.joined(separator: " ")) failed: \(result.stdoutText)")
        }
    }

    static func configJSON(dir: String, remote: String) -> String {
        """
        {"server": {"host": "127.0.0.1", "port": 0},
         "store": {"sqlite": {"path": "\(dir)/bench.sqlite"}},
         "slack": {"signingSecretEnv": "S", "botTokenEnv": "B", "apiBaseURL": "http://127.0.0.1:9", "deployChannel": "C0"},
         "ci": {"webhookSecretEnv": "W"},
         "gitops": {"url": "\(remote)", "branch": "main", "checkout": "\(dir)/checkout", "author": {"name": "Slipway", "email": "s@example.com"}},
         "kubernetes": {"apiServer": "http://127.0.0.1:9"},
         "services": {"shop": {"repo": "nortinia-ltd/shop", "image": "ghcr.io/nortinia-ltd/shop", "environments": {
            "staging": {"kustomization": "clusters/staging/shop/kustomization.yaml",
                        "flux": {"kustomization": "shop-staging", "gitRepository": "gitops"},
                        "workload": {"namespace": "shop-staging", "deployment": "shop"}, "autoDeploy": true},
            "prod": {"kustomization": "clusters/prod/shop/kustomization.yaml",
                     "flux": {"kustomization": "shop-prod", "gitRepository": "gitops"},
                     "workload": {"namespace": "shop", "deployment": "shop"}, "promoteFrom": "staging",
                     "requireApproval": true, "deployers": ["*"], "approvers": ["U0DANA"]}}}}}
        """
    }
}
