// swift-format-ignore-file
import DeployCore
import Foundation
import SlipwayCrypto
import SlipwayHTTP

/// In-process benchmarks (`slipway bench`): approval click → commit on the bare remote, and CI webhooks persisted
/// per second on SQLite. Each prints its baseline measured in the same run.
enum Bench {
    static func run(requests: Int, deploys: Int) async throws {
        let dir = NSTemporaryDirectory() + "slipway-bench-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let remote = dir + "/gitops.git"
        try shell(["scripts/demo-gitops.sh", remote])
        let config = try ConfigLoader.parse(Data(configJSON(dir: dir, remote: remote).utf8))
        let secrets = Application.Secrets(
            signingSecret: "bench", botToken: "xoxb-bench", ciWebhookSecret: "bench-webhook", fluxWebhookSecret: nil,
            pagerDutyRoutingKey: nil, databaseURL: nil)
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
            _ = try app.coordinator.apply(.approve(by: "U0DANA"), deployId: created.id, actor: "U0DANA")
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

        // 2. Distinct image-built webhooks persisted per second (SQLite), through the real handler.
        let endpoint = ImageBuiltEndpoint(secret: "bench-webhook", coordinator: app.coordinator, policy: config.policy)
        var bodies: [HTTPRequest] = []
        bodies.reserveCapacity(requests)
        for i in 0..<requests {
            let body = Array(
                #"{"repo":"nortinia-ltd/shop","sha":"\#(String(format: "%040x", i + 1))","tag":"main-\#(String(format: "%07x", i + 1))","env":"staging","author":{"name":"A","email":"a@example.com"}}"#
                    .utf8)
            let signature = "sha256=" + HMAC.sha256Hex(key: "bench-webhook", message: body)
            bodies.append(
                HTTPRequest(
                    method: .post, path: "/api/v1/deploy/image-built", headers: ["X-Slipway-Signature": signature],
                    body: body))
        }
        let requestsToSend = bodies
        let start = Date()
        let threads = 4
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var i = t
            while i < requestsToSend.count {
                let status = endpoint.handle(requestsToSend[i]).status
                precondition(status == 202 || status == 200, "webhook answered \(status)")
                i += threads
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(requests) / elapsed
        // Baseline: the same number of HMAC verifications alone (the part that is not storage).
        let hmacStart = Date()
        for request in bodies { _ = HMAC.sha256Hex(key: "bench-webhook", message: request.body) }
        let hmacRate = Double(requests) / Date().timeIntervalSince(hmacStart)
        print(
            "image-built webhooks persisted: \(Int(rate))/s (\(requests) distinct, \(threads) threads; goal ≥ 5,000/s)")
        print("  baseline: HMAC verification alone \(Int(hmacRate))/s; persisted/verify ratio \(fmt(rate / hmacRate))")
        app.server.stop()
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func fmt(_ value: Double) -> String { String((value * 10).rounded() / 10) }

    static func shell(_ arguments: [String], quiet: Bool = false) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if quiet { process.standardOutput = FileHandle.nullDevice }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(message: "\(arguments.joined(separator: " ")) failed")
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
